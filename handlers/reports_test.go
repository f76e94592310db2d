package handlers

import (
	"net/http"
	"testing"
	"time"

	"awda/models"
	"awda/views"
)

// Summary requests compute in a few slots: while every slot is taken, a caseworker's
// page is served at once, a summary waits for a slot (and is served when one frees), and
// a summary still waiting at its deadline is answered 503, try again.
func TestSummariesWaitForASlotOtherPagesDoNot(t *testing.T) {
	a := newTestApp(t)
	cw, _ := a.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	sup, _ := a.signedIn("sup@example.org", models.RoleSupervisor, "")
	if p := sup.get(views.PathSummary); p.StatusCode != http.StatusOK {
		t.Fatalf("summary with free slots: %d", p.StatusCode)
	}
	if cap(a.srv.reports) != defaultReportSlots() {
		t.Fatalf("%d report slots, want %d", cap(a.srv.reports), defaultReportSlots())
	}
	for range cap(a.srv.reports) {
		a.srv.reports <- struct{}{}
	}

	if p := cw.get(views.PathCases); p.StatusCode != http.StatusOK {
		t.Fatalf("case list while the summaries are busy: %d", p.StatusCode)
	}

	req, _ := http.NewRequest(http.MethodGet, a.http.URL+views.PathSummary, nil)
	if code := servedOnceASlotFrees(t, a.srv.reports, sup.http, req); code != http.StatusOK {
		t.Fatalf("the waiting summary, once a slot freed: %d", code)
	}

	a.srv.cfg.RequestTimeout = 50 * time.Millisecond
	if p := sup.get(views.PathSummary); p.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a summary that waited past its deadline: %d, want 503", p.StatusCode)
	}
}
