package e2e

import (
	_ "embed"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axe-core 4.14.1, the file of the npm package as published (MPL-2.0, see
// testdata/AXE-LICENSE): committed, so that the checks need no network.
//
//go:embed testdata/axe.min.js
var axeSource string

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	URL    string `json:"helpUrl"`
	Nodes  []struct {
		Target  []string `json:"target"`
		HTML    string   `json:"html"`
		Summary string   `json:"failureSummary"`
	} `json:"nodes"`
}

// axe runs axe-core's WCAG 2 A and AA rules on the page shown and returns the
// violations.
func (b *tab) axe() []axeViolation {
	b.t.Helper()
	if !eval[bool](b, `typeof window.axe === "object"`) {
		b.do(chromedp.Evaluate[chromedp.Void](axeSource))
	}
	return run(b, chromedp.Evaluate[[]axeViolation](
		`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}, resultTypes: ["violations"]}).then(r => r.violations)`,
		chromedp.EvalAwaitPromise))
}

// checkAxe fails the test on serious or critical violations, and logs the others.
func (b *tab) checkAxe(what string) {
	b.t.Helper()
	for _, v := range b.axe() {
		var sb strings.Builder
		fmt.Fprintf(&sb, "%s: axe %s (%s): %s — %s", what, v.ID, v.Impact, v.Help, v.URL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&sb, "\n    %s %s\n      %s", strings.Join(n.Target, " "), n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n      "))
		}
		if v.Impact == "serious" || v.Impact == "critical" {
			b.t.Error(sb.String())
		} else {
			b.t.Log(sb.String())
		}
	}
}

// TestAccessibility runs axe on every page, signed out and as each role, in the three
// languages.
func TestAccessibility(t *testing.T) {
	for _, who := range append([]string{""}, pageUsers()...) {
		t.Run(whoName(who), func(t *testing.T) {
			t.Parallel()
			var todo []pageSpec
			for _, p := range pages {
				for _, w := range p.Who {
					if w == who {
						todo = append(todo, p)
					}
				}
			}
			if len(todo) == 0 {
				return
			}
			b := newTab(t)
			if who != "" {
				b.login(who)
			}
			for _, p := range todo {
				if st := b.get(p.Path); st != p.status() {
					t.Errorf("%s as %s: status %d, want %d", p.Path, whoName(who), st, p.status())
					continue
				}
				b.checkAxe(p.Path + " as " + whoName(who))
			}
		})
	}
}
