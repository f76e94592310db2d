package views

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

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
	if forms.Length() != 101 {
		t.Fatalf("%d forms, want the batch form, 50 approve and 50 send-back forms", forms.Length())
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

// approvalsCtx renders in a language for a supervisor.
func approvalsCtx(t *testing.T, lang string) context.Context {
	t.Helper()
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	u := &models.User{ID: 1, Name: "Salma", Role: models.RoleSupervisor}
	return WithRequest(context.Background(), &Request{Lang: lang, Catalog: c, User: u, CSRF: "tok", Path: "/approvals",
		Asset: func(n string) string { return "/static/" + n }})
}

// A line shows who the person is, their vulnerabilities, the request with its planner
// and what the case already had; the supervisor's own plan has neither box nor approve
// button; nothing is ticked unless the page was asked with every line ticked.
func TestApprovalsLinesShowTheCaseAndNothingTicked(t *testing.T) {
	ctx := approvalsCtx(t, "fr")
	vm := ApprovalsVM{Total: 2, PerPage: 50, State: ApprovalsState{Page: 1}, Support: []ApprovalRow{
		{SupportQueueItem: models.SupportQueueItem{ID: 7, CaseID: 3, CaseNumber: "RAB-2021-00003", FamilyName: "Diallo", GivenName: "Aïssatou",
			Type: models.Cash, Description: "Loyer", Amount: 104000000, Currency: "XOF", Version: 2, PlannedByName: "Karim",
			CreatedAt:       time.Date(2021, 5, 3, 10, 0, 0, 0, time.UTC),
			Vulnerabilities: []models.Vulnerability{"trafficking_victim", "single_parent"},
			Delivered:       []models.Amount{{Currency: "MAD", Minor: 150050}, {Currency: "XOF", Minor: 250000}},
			Approved:        []models.Amount{{Currency: "MAD", Minor: 30000}}}},
		{SupportQueueItem: models.SupportQueueItem{ID: 8, CaseID: 4, CaseNumber: "RAB-2021-00004", FamilyName: "بنعلي", GivenName: "سلمى",
			Type: models.Medical, Amount: 5000, Currency: "MAD", Version: 1, PlannedByName: "Salma"}, Own: true},
	}}
	render := func(vm ApprovalsVM) *goquery.Document {
		return renderDoc(t, ctx, func(ctx context.Context, b *bytes.Buffer) error { return ApprovalsPage(vm).Render(ctx, b) })
	}
	doc := render(vm)
	if n := doc.Find("input[checked]").Length(); n != 0 {
		t.Errorf("%d boxes ticked on arrival", n)
	}
	line := doc.Find(`[data-testid="queue-7"]`)
	if got := line.Find(`[data-testid="queue-name"]`); got.Text() != "Diallo Aïssatou" || got.AttrOr("dir", "") != "auto" {
		t.Errorf("name %q dir %q", got.Text(), got.AttrOr("dir", ""))
	}
	if href := line.Find(`[data-testid="queue-case"]`).AttrOr("href", ""); href != "/cases/3#support" {
		t.Errorf("case link %q", href)
	}
	var vulns []string
	line.Find(`[data-testid="queue-vulns"] li`).Each(func(_ int, s *goquery.Selection) { vulns = append(vulns, s.Text()) })
	if !slices.Equal(vulns, []string{"Victime de traite", "Parent seul"}) {
		t.Errorf("vulnerabilities %v", vulns)
	}
	if got := strings.Join(strings.Fields(line.Find(`[data-testid="queue-planner"]`).Text()), " "); got != "Prévue par Karim le 3 mai 2021" {
		t.Errorf("planner %q", got)
	}
	var delivered []string
	line.Find(`[data-testid="queue-delivered"] bdi.money`).Each(func(_ int, s *goquery.Selection) { delivered = append(delivered, s.Text()) })
	if want := []string{"1\u00a0500,50 MAD", "250\u00a0000 XOF"}; !slices.Equal(delivered, want) {
		t.Errorf("delivered %q, want %q", delivered, want)
	}
	if got := line.Find(`[data-testid="queue-approved"] bdi.money`).Text(); got != "300,00 MAD" {
		t.Errorf("approved %q", got)
	}
	box := line.Find(`input[name="support_id"]`)
	if box.AttrOr("data-amount", "") != "104000000" || box.AttrOr("data-currency", "") != "XOF" || box.AttrOr("data-digits", "") != "0" || box.AttrOr("form", "") != "batch-approve" {
		t.Errorf("box %v", box.Nodes[0].Attr)
	}
	one := line.Find(`[data-testid="approve-one-form"]`)
	if one.AttrOr("action", "") != "/cases/3/support/7/approve" || one.Find(`input[name="version"]`).AttrOr("value", "") != "2" ||
		one.Find(`input[name="from"]`).AttrOr("value", "") != "approvals" || one.Find(`button`).AttrOr("aria-describedby", "") != "person-7" || !line.Find("#person-7").Is("th") {
		t.Errorf("approve form %q", one.AttrOr("action", ""))
	}
	if !line.Find(`details.send-back form textarea[name="comment"], details.send-back form input[name="comment"]`).Is("*") {
		t.Error("the send-back comment is not behind a details")
	}
	own := doc.Find(`[data-testid="queue-8"]`)
	if own.Find(`input[name="support_id"]`).Length() != 0 || own.Find(`[data-testid="approve-one"]`).Length() != 0 || own.Find(`[data-testid="own"]`).Length() != 1 {
		t.Error("the supervisor's own plan can be approved")
	}
	if got := own.Find(`[data-testid="queue-earlier"]`).Text(); !strings.Contains(got, "Aucune aide") {
		t.Errorf("a case with nothing earlier says %q", got)
	}
	bar := doc.Find(`[data-testid="approve-bar"]`)
	if bar.AttrOr("data-group", "") != "\u00a0" || bar.AttrOr("data-decimal", "") != "," || !bar.Find(`[data-testid="bar-live"]`).Is("[hidden]") {
		t.Errorf("bar separators %q %q, live part shown before any tick", bar.AttrOr("data-group", ""), bar.AttrOr("data-decimal", ""))
	}
	if href := doc.Find(`[data-testid="select-all-link"]`).AttrOr("href", ""); href != "/approvals?select=all" {
		t.Errorf("select all link %q", href)
	}

	// The whole page asked for: the lines it may approve ticked, the bar counts them.
	vm.SelectAll, vm.Support[0].Checked, vm.Selected = true, true, 1
	vm.SelectedTotals = []models.Amount{{Currency: "XOF", Minor: 104000000}}
	doc = render(vm)
	if n := doc.Find("input[checked]").Length(); n != 1 || !doc.Find(`[data-testid="queue-7"] input[checked]`).Is("*") {
		t.Errorf("%d boxes ticked", n)
	}
	if got := doc.Find(`[data-testid="bar-count"]`).Text(); got != "1" {
		t.Errorf("bar count %q", got)
	}
	if got := doc.Find(`[data-testid="bar-totals"] bdi.money`).Text(); got != "104\u00a0000\u00a0000 XOF" {
		t.Errorf("bar totals %q", got)
	}
	if href := doc.Find(`[data-testid="select-all-link"]`).AttrOr("href", ""); href != "/approvals" {
		t.Errorf("untick all link %q", href)
	}
}

// The separators given to the script are those of the server's own amounts.
func TestApprovalsSeparatorsMatchMoney(t *testing.T) {
	for _, lang := range []string{"fr", "en", "ar"} {
		ctx := approvalsCtx(t, lang)
		group, decimal := approvalsSeparators(ctx)
		if want := "1" + group + "234" + group + "567" + decimal + "89 MAD"; Money(ctx, 123456789, "MAD") != want {
			t.Errorf("%s: Money %q, separators give %q", lang, Money(ctx, 123456789, "MAD"), want)
		}
	}
}
