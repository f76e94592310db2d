package handlers

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"awda/models"
	"awda/views"
)

// receipt links a receipt document (or another category) to a support record.
func (d *sumData) receipt(sp *models.Support, category models.DocumentCategory) *models.Document {
	d.t.Helper()
	doc := &models.Document{CaseID: sp.CaseID, SupportID: &sp.ID, Category: category, Filename: "recu.pdf",
		ContentType: models.TypePDF, SourceType: models.TypePDF, Size: 10, UploadedByID: d.user.ID, CreatedAt: time.Now()}
	if err := d.app.stores.DB.Write.Create(doc).Error; err != nil {
		d.t.Fatalf("create document: %v", err)
	}
	return doc
}

// The summary's receipts figures: on the page, each a link to as many support records
// as it says, in summary.csv with the same figures, in the user's scope, and a withdrawn
// receipt proves nothing.
func TestSummaryReceiptsThroughThePages(t *testing.T) {
	app := newTestApp(t)
	d := newSumData(app)
	rab := d.cases("RAB", 3, nil)
	ouj := d.cases("OUJ", 2, nil)
	sp := []*models.Support{
		{CaseID: rab[0].ID, Type: models.Cash, Amount: 100, Date: date("2021-03-01")},
		{CaseID: rab[0].ID, Type: models.Medical, Amount: 100, Date: date("2021-04-01")},
		{CaseID: rab[1].ID, Type: models.Cash, Amount: 100, Date: date("2021-05-01")},
		{CaseID: rab[2].ID, Type: models.Cash, Amount: 100, Date: date("2021-06-01")},
		{CaseID: rab[2].ID, Type: models.Cash, Amount: 100, Date: date("2021-06-02"), Status: models.SupportPlanned},
		{CaseID: ouj[0].ID, Type: models.Cash, Amount: 100, Date: date("2021-07-01")},
		{CaseID: ouj[1].ID, Type: models.Cash, Amount: 100, Date: date("2021-07-02")},
	}
	d.supports(sp)
	d.receipt(sp[0], models.DocReceipt)
	d.receipt(sp[0], models.DocReceipt)
	withdrawn := d.receipt(sp[2], models.DocReceipt)
	d.receipt(sp[3], models.DocProject)
	d.receipt(sp[4], models.DocReceipt) // planned: not delivered, not counted
	d.receipt(sp[5], models.DocReceipt)
	d.receipt(sp[6], models.DocReceipt)

	const period = "?from=2021-01-01&to=2021-12-31"
	count := regexp.MustCompile(`^[0-9 ]+`)
	// figures reads the page's receipts figures and checks each drill-down against its figure.
	figures := func(c *client) map[string]string {
		t.Helper()
		// The summary leads to the receipts page with its filters.
		sum := c.get(views.PathSummary + period)
		wantStatus(t, sum, http.StatusOK)
		if href, _ := sum.Doc.Find(`[data-testid="summary-receipts-link"]`).Attr("href"); !strings.HasPrefix(href, views.PathSummaryReceipts+"?") ||
			!strings.Contains(href, "from=2021-01-01") || !strings.Contains(href, "to=2021-12-31") {
			t.Fatalf("the summary's link to the receipts %q", href)
		}
		p := c.get(views.PathSummaryReceipts + period)
		wantStatus(t, p, http.StatusOK)
		out := map[string]string{}
		for _, g := range models.ReceiptGroups {
			out[g] = figure(p, `[data-testid="receipts-`+g+`"]`)
			href, ok := p.Doc.Find(`[data-testid="receipts-` + g + `"]`).Attr("href")
			if !ok || !strings.HasPrefix(href, views.PathSummaryReceiptSupports) {
				t.Fatalf("%s links to %q", g, href)
			}
			list := c.get(href)
			wantStatus(t, list, http.StatusOK)
			got := strings.TrimSpace(count.FindString(figure(list, `[data-testid="drill-count"]`)))
			rows := list.Doc.Find(`[data-testid="drill-row"]`).Length()
			if got != out[g] || rows != atoiT(t, out[g]) {
				t.Errorf("%s: figure %q, list says %q with %d rows", g, out[g], got, rows)
			}
		}
		out["share"] = figure(p, `[data-testid="receipts-share"]`)
		return out
	}
	admin, _ := app.signedIn("admin@example.org", models.RoleAdmin, "")
	got := figures(admin)
	if got[models.ReceiptsDelivered] != "6" || got[models.ReceiptsProven] != "4" || got[models.ReceiptsUnproven] != "2" ||
		!strings.HasPrefix(got["share"], "66,7") {
		t.Fatalf("all offices: %v", got)
	}
	sup, _ := app.signedIn("sup.rab@example.org", models.RoleSupervisor, "RAB")
	got = figures(sup)
	if got[models.ReceiptsDelivered] != "4" || got[models.ReceiptsProven] != "2" || !strings.HasPrefix(got["share"], "50") {
		t.Fatalf("Rabat supervisor (Oujda's receipts must not count): %v", got)
	}
	csv := func() map[string][]string {
		t.Helper()
		p := sup.get(views.PathSummaryCSV + period)
		wantStatus(t, p, http.StatusOK)
		out := map[string][]string{}
		for _, r := range readCSV(t, p)[1:] {
			if r[0] == models.SectionReceipts {
				out[r[1]] = r
			}
		}
		return out
	}
	rows := csv()
	if rows["delivered"][3] != "4" || rows["with_receipt"][3] != "2" || rows["with_receipt"][4] != "50" ||
		rows["with_receipt"][5] != "50.0" || rows["without_receipt"][3] != "2" || rows["without_receipt"][2] == "" {
		t.Fatalf("summary.csv receipts rows %v", rows)
	}

	if err := app.stores.DB.Write.Model(withdrawn).Update("withdrawn_at", time.Now()).Error; err != nil {
		t.Fatal(err)
	}
	got = figures(sup)
	if got[models.ReceiptsDelivered] != "4" || got[models.ReceiptsProven] != "1" || got[models.ReceiptsUnproven] != "3" {
		t.Fatalf("after withdrawing a receipt: %v", got)
	}
	if rows := csv(); rows["with_receipt"][3] != "1" || rows["with_receipt"][5] != "25.0" {
		t.Fatalf("summary.csv after withdrawing a receipt: %v", rows)
	}

	wantStatus(t, sup.get(views.PathSummaryReceiptSupports+period+"&group=nope"), http.StatusNotFound)
	wantStatus(t, sup.get(views.PathSummaryReceiptSupports+"?from=2021-13-01&group=delivered"), http.StatusBadRequest)
	cw, _ := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	wantStatus(t, cw.get(views.PathSummaryReceiptSupports+period+"&group=delivered"), http.StatusForbidden)
	wantStatus(t, cw.get(views.PathSummaryReceipts+period), http.StatusForbidden)
	if p := sup.get(views.PathSummaryReceipts + "?from=2021-13-01"); p.StatusCode != http.StatusUnprocessableEntity || !p.has(`[data-testid="from-error"]`) {
		t.Errorf("a wrong date on the receipts page: status %d", p.StatusCode)
	}
	empty := admin.get(views.PathSummaryReceipts + "?from=2019-01-01&to=2019-12-31")
	if !empty.has(`[data-testid="receipts-section"] [data-testid="empty"]`) || empty.has(`[data-testid="receipts-share"]`) {
		t.Error("a period without delivered support shows no share")
	}
}

func atoiT(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			t.Fatalf("not a whole number: %q", s)
		}
		n = n*10 + int(r-'0')
	}
	return n
}
