package views

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"awda/models"
)

// The queue's page in Arabic: the rows line isolates its numbers, the overdue list says
// how many it shows of how many, and every form of the page carries its place.
func TestApprovalsPageKeepsItsPlaceInEveryForm(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	u := &models.User{ID: 1, Name: "Salma", Role: models.RoleSupervisor}
	ctx := WithRequest(context.Background(), &Request{Lang: "ar", Catalog: c, User: u, CSRF: "tok", Path: "/approvals",
		Asset: func(n string) string { return "/static/" + n }})
	vm := ApprovalsVM{Total: 120, PerPage: 50, State: ApprovalsState{Office: "RAB", Page: 2},
		Offices:      []models.Office{{ID: 1, Code: "CAS", Name: "Casablanca"}, {ID: 2, Code: "RAB", Name: "Rabat"}},
		Overdue:      []models.OverdueReferral{{ID: 7, CaseID: 3, CaseNumber: "RAB-2021-00003", Partner: "health", Status: models.ReferralSent}},
		OverdueTotal: 80}
	for i := range 50 {
		vm.Support = append(vm.Support, ApprovalRow{SupportQueueItem: models.SupportQueueItem{ID: uint(100 + i), CaseID: 3, CaseNumber: "RAB-2021-00003",
			Type: models.Cash, Amount: 1000, Currency: "MAD", Version: 1}})
	}
	doc := renderDoc(t, ctx, func(ctx context.Context, b *bytes.Buffer) error { return ApprovalsPage(vm).Render(ctx, b) })
	var rows []string
	doc.Find(`[data-testid="approvals-rows"] bdi`).Each(func(_ int, s *goquery.Selection) { rows = append(rows, s.Text()) })
	if !slices.Equal(rows, []string{"51", "100", "120"}) {
		t.Errorf("rows %v", rows)
	}
	if got := doc.Find(`[data-testid="overdue-shown"] bdi`).Length(); got != 2 || !strings.Contains(doc.Find(`[data-testid="overdue-total"]`).Text(), "80") {
		t.Errorf("overdue: %d numbers shown, heading %q", got, doc.Find(`[data-testid="overdue-total"]`).Text())
	}
	forms := doc.Find(`[data-testid="approvals-support"] form[method="post"]`)
	if forms.Length() != 51 {
		t.Fatalf("%d forms, want the batch form and 50 send-back forms", forms.Length())
	}
	forms.Each(func(i int, f *goquery.Selection) {
		office, _ := f.Find(`input[name="office"]`).Attr("value")
		page, _ := f.Find(`input[name="page"]`).Attr("value")
		if office != "RAB" || page != "2" {
			t.Errorf("form %d carries office %q, page %q", i, office, page)
		}
	})
	prev, _ := doc.Find(`[data-testid="page-prev"]`).Attr("href")
	next, _ := doc.Find(`[data-testid="page-next"]`).Attr("href")
	if prev != "/approvals?office=RAB" || next != "/approvals?office=RAB&page=3" {
		t.Errorf("pager links %q and %q", prev, next)
	}
	// A last page of one line: Count picks the singular, which names one row.
	vm.Total, vm.State.Page, vm.Support = 101, 3, vm.Support[:1]
	doc = renderDoc(t, ctx, func(ctx context.Context, b *bytes.Buffer) error { return ApprovalsPage(vm).Render(ctx, b) })
	rows = nil
	doc.Find(`[data-testid="approvals-rows"] bdi`).Each(func(_ int, s *goquery.Selection) { rows = append(rows, s.Text()) })
	if !slices.Equal(rows, []string{"101", "101"}) {
		t.Errorf("one-line page: rows %v", rows)
	}
}
