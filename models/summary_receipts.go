package models

import (
	"context"
	"fmt"
	"slices"
)

// The receipts figures of the summary say how much of the delivered support a receipt
// proves, as donors audit it: delivered support records dated in the period (the
// support's own date, as the support breakdown counts them), for the cases of the
// filters and scope, and among them those with a receipt (a document of category
// receipt, linked to the support and not withdrawn).

// Receipt drill-down groups: every delivered record, those a receipt proves, the others.
const (
	ReceiptsDelivered = "delivered"
	ReceiptsProven    = "with_receipt"
	ReceiptsUnproven  = "without_receipt"
)

// ReceiptGroups lists the groups in the order the summary shows them.
var ReceiptGroups = []string{ReceiptsDelivered, ReceiptsProven, ReceiptsUnproven}

// ReceiptCoverage is the receipts section of the summary page.
type ReceiptCoverage struct {
	Delivered int64 // delivered support records dated in the period
	Proven    int64 // of which a receipt proves
}

// Unproven is the delivered records without a receipt.
func (r ReceiptCoverage) Unproven() int64 { return r.Delivered - r.Proven }

// Tenths is the share of delivered records with a receipt in tenths of a per cent,
// rounded half up (0 when nothing was delivered: the page then shows no share).
func (r ReceiptCoverage) Tenths() int64 {
	if r.Delivered == 0 {
		return 0
	}
	return (r.Proven*2000 + r.Delivered) / (2 * r.Delivered)
}

// Count is the figure of a group.
func (r ReceiptCoverage) Count(group string) int64 {
	switch group {
	case ReceiptsProven:
		return r.Proven
	case ReceiptsUnproven:
		return r.Unproven()
	}
	return r.Delivered
}

// receiptProven is the SQL condition "a receipt proves support s", answered by the
// index on documents.support_id.
const receiptProven = "EXISTS (SELECT 1 FROM documents d WHERE d.support_id = s.id AND d.category = 'receipt' AND d.withdrawn_at IS NULL)"

// receiptsSQL is THE definition of the receipts figures: one row per delivered support
// record of the period in the filters and scope, with whether a receipt proves it.
// The period is read through the supports' date index (idx_supports_summary, which also
// holds status and case_id), so a request reads the index entries of the period, never
// the whole table; the case is joined only when a scope or filter needs it.
func receiptsSQL(dialect Dialect, scope Scope, f SummaryFilter) (string, []any) {
	// SQLite plans without the bound values (QPSG): told nothing, it prefers the
	// status index, which holds every delivered support of every year.
	byDate := " INDEXED BY idx_supports_summary"
	if dialect == Postgres {
		byDate = ""
	}
	cond, cargs := f.caseCond(scope)
	join := ""
	if cond != "" {
		join = " JOIN cases c ON c.id = s.case_id"
	}
	q := "SELECT s.id AS support_id, s.case_id AS case_id, CASE WHEN " + receiptProven + " THEN 1 ELSE 0 END AS proven" +
		" FROM supports s" + byDate + join +
		" WHERE s.date >= ? AND s.date <= ? AND s.status = 'delivered'" + cond
	return q, append([]any{f.From.String(), f.To.String()}, cargs...)
}

// ReceiptCoverageQuery is the SQL behind ReceiptCoverage, for the test that reads its
// query plan.
func ReceiptCoverageQuery(dialect Dialect, scope Scope, f SummaryFilter) (string, []any) {
	q, args := receiptsSQL(dialect, scope, f)
	return "SELECT COUNT(*), COALESCE(SUM(r.proven), 0) FROM (" + q + ") r", args
}

// ReceiptCoverage counts the delivered support of the period and how much of it a
// receipt proves, for the filters in scope.
func (s *SummaryStore) ReceiptCoverage(ctx context.Context, scope Scope, f SummaryFilter) (*ReceiptCoverage, error) {
	q, args := ReceiptCoverageQuery(s.db.Dialect, scope, f)
	var out ReceiptCoverage
	if err := s.db.Read.WithContext(ctx).Raw(q, args...).Row().Scan(&out.Delivered, &out.Proven); err != nil {
		return nil, fmt.Errorf("receipt coverage: %w", err)
	}
	return &out, nil
}

// ReceiptSupport is one support record behind a receipts figure.
type ReceiptSupport struct {
	SupportID  uint
	CaseID     uint
	CaseNumber string
	Office     string
	Type       SupportType
	Date       Date
	Amount     int64
	Currency   string
	Proven     bool
}

// ReceiptSupports lists the support records behind one receipts figure (see
// ReceiptGroups), by case number then date, and how many there are: one row per record,
// so the count is the figure. An unknown group is ErrNotFound.
func (s *SummaryStore) ReceiptSupports(ctx context.Context, scope Scope, f SummaryFilter, group string, page, perPage int) ([]ReceiptSupport, int64, error) {
	if !slices.Contains(ReceiptGroups, group) {
		return nil, 0, ErrNotFound
	}
	inner, args := receiptsSQL(s.db.Dialect, scope, f)
	switch group {
	case ReceiptsProven:
		inner = "SELECT * FROM (" + inner + ") r WHERE r.proven = 1"
	case ReceiptsUnproven:
		inner = "SELECT * FROM (" + inner + ") r WHERE r.proven = 0"
	}
	db := s.db.Read.WithContext(ctx)
	var total int64
	if err := db.Raw("SELECT COUNT(*) FROM ("+inner+") x", args...).Row().Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count receipt support: %w", err)
	}
	if perPage <= 0 {
		perPage = 50
	}
	page = max(page, 1)
	rows, err := db.Raw(`SELECT x.support_id, c.id, c.case_number, o.code, sp.type, sp.date, sp.amount, sp.currency, x.proven
		FROM (`+inner+`) x JOIN supports sp ON sp.id = x.support_id JOIN cases c ON c.id = x.case_id
		JOIN offices o ON o.id = c.office_id ORDER BY c.case_number, sp.date, sp.id LIMIT ? OFFSET ?`,
		append(slices.Clone(args), perPage, (page-1)*perPage)...).Rows()
	if err != nil {
		return nil, 0, fmt.Errorf("list receipt support: %w", err)
	}
	defer rows.Close()
	var out []ReceiptSupport
	for rows.Next() {
		var r ReceiptSupport
		var proven int
		if err := rows.Scan(&r.SupportID, &r.CaseID, &r.CaseNumber, &r.Office, &r.Type, &r.Date, &r.Amount, &r.Currency, &proven); err != nil {
			return nil, 0, fmt.Errorf("receipt support row: %w", err)
		}
		r.Proven = proven == 1
		out = append(out, r)
	}
	return out, total, rows.Err()
}
