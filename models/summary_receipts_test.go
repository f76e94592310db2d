package models_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"awda/models"
	"awda/models/dbtest"
)

// receiptFixture is delivered support in two offices, some of it proven by a receipt.
type receiptFixture struct {
	*caseworkFixture
	rabCase, casCase *models.Case
}

func newReceiptFixture(t *testing.T) *receiptFixture {
	t.Helper()
	f := &receiptFixture{caseworkFixture: newCaseworkFixture(t)}
	f.rabCase = insertCase(t, f.s, f.rab, f.cw, models.StatusReturned, true)
	f.casCase = insertCase(t, f.s, f.cas, f.cwCas, models.StatusReturned, true)
	return f
}

// support inserts a support record of a case as it stands once moved along.
func (f *receiptFixture) support(t *testing.T, cs *models.Case, date string, status models.SupportStatus) *models.Support {
	t.Helper()
	sp := &models.Support{CaseID: cs.ID, Type: models.Cash, Amount: 50000, Currency: "MAD", Date: d(date),
		Status: status, PlannedByID: f.cw.ID, Version: 1}
	if status == models.SupportDelivered {
		sp.DeliveredOn = d(date)
	}
	if err := f.s.DB.Write.Create(sp).Error; err != nil {
		t.Fatal(err)
	}
	return sp
}

// attach uploads a document of a category linked to a support record.
func (f *receiptFixture) attach(t *testing.T, u *models.User, cs *models.Case, sp *models.Support, category string) *models.Document {
	t.Helper()
	doc, err := f.s.Documents.Upload(context.Background(), act(u), u.Scope(), cs.ID, models.DocumentInput{
		Category: category, Filename: "recu.pdf", Content: bytes.NewReader(dbtest.PDF(2000)), SupportID: &sp.ID})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// directReceipts counts, with other SQL than the store's (joins and DISTINCT instead of
// EXISTS), the delivered support of 2021 in an office (all when 0) and how much of it a
// receipt proves.
func directReceipts(t *testing.T, s *models.Stores, officeID uint) (delivered, proven int64) {
	t.Helper()
	office, args := "", []any{}
	if officeID != 0 {
		office, args = " AND c.office_id = ?", []any{officeID}
	}
	base := " FROM supports s JOIN cases c ON c.id = s.case_id WHERE s.status = 'delivered' AND s.date BETWEEN '2021-01-01' AND '2021-12-31'" + office
	if err := s.DB.Read.Raw("SELECT COUNT(*)"+base, args...).Row().Scan(&delivered); err != nil {
		t.Fatal(err)
	}
	q := "SELECT COUNT(DISTINCT s.id) FROM supports s JOIN cases c ON c.id = s.case_id" +
		" JOIN documents d ON d.support_id = s.id AND d.category = 'receipt' AND d.withdrawn_at IS NULL" +
		" WHERE s.status = 'delivered' AND s.date BETWEEN '2021-01-01' AND '2021-12-31'" + office
	if err := s.DB.Read.Raw(q, args...).Row().Scan(&proven); err != nil {
		t.Fatal(err)
	}
	return delivered, proven
}

func TestSummaryReceiptCoverage(t *testing.T) {
	ctx := context.Background()
	f := newReceiptFixture(t)
	twice := f.support(t, f.rabCase, "2021-03-02", models.SupportDelivered)     // two receipts: counts once
	withdrawn := f.support(t, f.rabCase, "2021-04-10", models.SupportDelivered) // its receipt is withdrawn below
	other := f.support(t, f.rabCase, "2021-05-01", models.SupportDelivered)     // a photo of the project, no receipt
	bare := f.support(t, f.rabCase, "2021-06-01", models.SupportDelivered)      // nothing attached
	early := f.support(t, f.rabCase, "2020-12-31", models.SupportDelivered)     // before the period
	planned := f.support(t, f.rabCase, "2021-02-01", models.SupportApproved)    // not delivered
	casDone := f.support(t, f.casCase, "2021-07-07", models.SupportDelivered)   // another office's, proven
	f.support(t, f.casCase, "2021-08-08", models.SupportDelivered)              // another office's, not proven
	f.attach(t, f.cw, f.rabCase, twice, "receipt")
	f.attach(t, f.cw, f.rabCase, twice, "receipt")
	gone := f.attach(t, f.cw, f.rabCase, withdrawn, "receipt")
	f.attach(t, f.cw, f.rabCase, other, "project")
	f.attach(t, f.cw, f.rabCase, early, "receipt")
	f.attach(t, f.cw, f.rabCase, planned, "receipt")
	f.attach(t, f.cwCas, f.casCase, casDone, "receipt")
	_ = bare

	y := year(2021)
	coverage := func(scope models.Scope, flt models.SummaryFilter) models.ReceiptCoverage {
		t.Helper()
		r, err := f.s.Summary.ReceiptCoverage(ctx, scope, flt)
		if err != nil {
			t.Fatal(err)
		}
		return *r
	}
	// drill checks that each group's list holds as many records as its figure, each once.
	drill := func(scope models.Scope, flt models.SummaryFilter, r models.ReceiptCoverage) {
		t.Helper()
		for _, g := range models.ReceiptGroups {
			rows, total, err := f.s.Summary.ReceiptSupports(ctx, scope, flt, g, 1, 50)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[uint]bool{}
			for _, row := range rows {
				if seen[row.SupportID] {
					t.Errorf("%s lists support %d twice", g, row.SupportID)
				}
				seen[row.SupportID] = true
				if (g == models.ReceiptsProven && !row.Proven) || (g == models.ReceiptsUnproven && row.Proven) {
					t.Errorf("%s lists %+v", g, row)
				}
			}
			if total != r.Count(g) || int64(len(rows)) != total {
				t.Errorf("%s: figure %d, drill-down total %d with %d rows", g, r.Count(g), total, len(rows))
			}
		}
		// a list longer than a page counts the same
		_, total, err := f.s.Summary.ReceiptSupports(ctx, scope, flt, models.ReceiptsDelivered, 2, 1)
		if err != nil || total != r.Delivered {
			t.Errorf("second page of one: total %d, %v", total, err)
		}
	}

	all := coverage(models.Scope{Role: models.RoleAdmin}, y)
	wantD, wantP := directReceipts(t, f.s, 0)
	if all.Delivered != wantD || all.Proven != wantP || all.Delivered != 6 || all.Proven != 3 {
		t.Fatalf("all offices: %+v, direct SQL %d delivered %d proven (want 6 and 3)", all, wantD, wantP)
	}
	if all.Tenths() != 500 || all.Unproven() != 3 {
		t.Fatalf("share %d tenths, %d without", all.Tenths(), all.Unproven())
	}
	drill(models.Scope{Role: models.RoleAdmin}, y, all)

	// A one-office supervisor counts their office only, whatever the filter names.
	rab := coverage(f.sup.Scope(), y)
	wantD, wantP = directReceipts(t, f.s, f.rab.ID)
	if rab.Delivered != wantD || rab.Proven != wantP || rab.Delivered != 4 || rab.Proven != 2 {
		t.Fatalf("Rabat: %+v, direct %d/%d", rab, wantD, wantP)
	}
	drill(f.sup.Scope(), y, rab)
	casFilter := y
	casFilter.Office = "CAS"
	if got := coverage(f.sup.Scope(), casFilter); got.Delivered != 0 {
		t.Fatalf("a Rabat supervisor reads Casablanca's support: %+v", got)
	}
	if got := coverage(f.hq.Scope(), casFilter); got.Delivered != 2 || got.Proven != 1 {
		t.Fatalf("Casablanca for an all-offices supervisor: %+v", got)
	}

	// Withdrawing the receipt takes its support out of the proven figure.
	if err := f.s.Documents.Withdraw(ctx, act(f.cw), f.cw.Scope(), f.rabCase.ID, gone.ID, "illegible"); err != nil {
		t.Fatal(err)
	}
	after := coverage(f.sup.Scope(), y)
	wantD, wantP = directReceipts(t, f.s, f.rab.ID)
	if after.Delivered != 4 || after.Proven != 1 || after.Proven != wantP || after.Delivered != wantD {
		t.Fatalf("after the withdrawal: %+v, direct %d/%d", after, wantD, wantP)
	}
	if after.Tenths() != 250 {
		t.Fatalf("share after the withdrawal: %d tenths", after.Tenths())
	}
	drill(f.sup.Scope(), y, after)
	rows, _, err := f.s.Summary.ReceiptSupports(ctx, f.sup.Scope(), y, models.ReceiptsUnproven, 1, 50)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		found = found || r.SupportID == withdrawn.ID
	}
	if !found {
		t.Fatalf("the support whose receipt was withdrawn is not among those without one: %+v", rows)
	}

	// Nothing delivered: no share, no division by zero.
	if got := coverage(models.Scope{Role: models.RoleAdmin}, year(2019)); got.Delivered != 0 || got.Tenths() != 0 {
		t.Fatalf("2019: %+v", got)
	}
	if _, _, err := f.s.Summary.ReceiptSupports(ctx, f.sup.Scope(), y, "everything", 1, 50); err != models.ErrNotFound {
		t.Fatalf("unknown group: %v", err)
	}
}

// The receipts figures read the period's support through the supports' date index and
// each receipt through the documents' support index: no statement scans a table.
func TestSummaryReceiptCoverageUsesIndexes(t *testing.T) {
	if dbtest.Backend() != "sqlite" {
		t.Skip("the plan is read from SQLite's EXPLAIN QUERY PLAN")
	}
	f := newReceiptFixture(t)
	y := year(2021)
	office := y
	office.Office = "CAS"
	for _, c := range []struct {
		name  string
		scope models.Scope
		flt   models.SummaryFilter
	}{
		{"all offices", models.Scope{Role: models.RoleAdmin}, y},
		{"office-scoped supervisor", f.sup.Scope(), y},
		{"office filter", f.hq.Scope(), office},
	} {
		q, args := models.ReceiptCoverageQuery(f.s.DB.Dialect, c.scope, c.flt)
		plan := strings.Split(explain(t, f.s.DB.Read, q, args), "\n")
		joined := strings.Join(plan, "\n  ")
		for _, d := range plan {
			if strings.HasPrefix(d, "SCAN ") && !strings.Contains(d, "USING INDEX") && !strings.Contains(d, "USING COVERING INDEX") {
				t.Errorf("%s: the receipts figures scan a table:\n  %s", c.name, joined)
			}
		}
		if !strings.Contains(joined, "idx_supports_summary (date>? AND date<?)") {
			t.Errorf("%s: support not read by the period:\n  %s", c.name, joined)
		}
		if !strings.Contains(joined, "idx_documents_support_id") {
			t.Errorf("%s: receipts not looked up by support:\n  %s", c.name, joined)
		}
		t.Logf("%s:\n  %s", c.name, joined)
	}
}
