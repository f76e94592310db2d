package e2e

import "testing"

func TestSmoke(t *testing.T) {
	b := newTab(t)
	b.login("caseworker")
	t.Log(b.text("h1"), b.location())
}
