package e2e

import (
	"strings"
	"testing"
)

// A supervisor of every office narrows the approvals queue to one office with the
// filter's button, without JavaScript; the queue's forms then carry the office, so an
// approval or a send-back comes back to it.
func TestApprovalsOfficeFilterWithoutJavaScript(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.noScript()
	b.login("hq-supervisor")
	b.get("/approvals")
	b.choose("office", "RAB")
	if st := b.submit("approvals-filter-submit"); st != 200 {
		t.Fatalf("filter by office: status %d", st)
	}
	if loc := b.location(); loc != "/approvals?office=RAB" {
		t.Errorf("after filtering: at %s", loc)
	}
	if got := b.text(testSel("approvals-table")); !strings.Contains(got, fixtureNumber()) {
		t.Errorf("Rabat's queue does not hold the fixture's support: %q", got)
	}
	if got := b.attr(`#batch-approve input[name="office"]`, "value"); got != "RAB" {
		t.Errorf("the batch form carries office %q", got)
	}
	b.choose("office", "")
	if st := b.submit("approvals-filter-submit"); st != 200 || b.location() != "/approvals?office=" {
		t.Errorf("every office again: status %d at %s", st, b.location())
	}
}
