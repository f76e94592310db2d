package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// SummaryColumns is the header row of summary.csv (README "CSV exports"): one row per
// figure of the summary page. Never rename or reorder a column, only append.
var SummaryColumns = []string{"section", "key", "label", "count", "share_percent", "share_one_decimal", "currency", "amount"}

// Sections of summary.csv, in file order. A breakdown's section is its indicator name
// (returns_month, support_type, returns_nationality, …).
const (
	// SectionSupport: one row per support type (key the type) and a total row (key
	// "total"): non-cancelled records dated in the period, with both shares.
	SectionSupport = "support"
	// SectionSupportAmount: one row per support type and currency: the amount.
	SectionSupportAmount = "support_amount"
	// SectionIndicator: one row per headline figure (key the indicator name).
	SectionIndicator = "indicator"
)

// SummaryTotalKey is the key of the support breakdown's total row.
const SummaryTotalKey = "total"

// SectionMeta: the rows before the figures that describe the file, in this order:
// keys from, to (ISO dates), office, direction, nationality, sex (codes, empty for
// all), support ("not_cancelled" or "delivered"), produced_at (RFC 3339, UTC),
// produced_by (the user's name), source. The value is in the count column for the codes
// and dates, and the label column says it in the user's language.
const SectionMeta = "meta"

// SummaryMetaRow is one SectionMeta row: its key, value and label.
type SummaryMetaRow struct{ Key, Value, Label string }

// SummaryRow is one row of summary.csv before its label is added. Empty cells are "".
type SummaryRow struct {
	Section, Key                                 string
	Count, SharePercent, ShareOneDecimal, Amount string
	Currency                                     string
}

// summaryCSVIndicators are the keyless figures, in file order.
var summaryCSVIndicators = []string{
	IndReturns, IndInformed, IndTrained, IndOfficeFunded, IndInboundSupported, IndVulnerable,
}

// summaryCSVBreakdowns are the breakdowns, in file order.
var summaryCSVBreakdowns = []string{
	IndSupportType, IndReturnsMonth, IndReturnsNationality, IndReturnsOffice, IndReturnsSex, IndReturnsAge,
	IndVulnerability, IndReferrals,
}

// tenthsCell writes tenths of a per cent with a dot (583 → 58.3).
func tenthsCell(t int64) string { return fmt.Sprintf("%d.%d", t/10, t%10) }

// SummaryRows lays a computed summary out as the rows of summary.csv, in the order of
// the page: the support breakdown, its amounts, the indicators, then each breakdown in
// the page's order (returns per month with every month of the period, zeros included).
// The figures are those of the page, so the file and the page always agree.
func SummaryRows(s *Summary) []SummaryRow {
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	var out []SummaryRow
	for _, r := range s.Support {
		out = append(out, SummaryRow{Section: SectionSupport, Key: string(r.Type), Count: itoa(r.Count),
			SharePercent: strconv.Itoa(r.Share), ShareOneDecimal: tenthsCell(r.Tenths)})
	}
	total := SummaryRow{Section: SectionSupport, Key: SummaryTotalKey, Count: itoa(s.SupportTotal)}
	if s.SupportTotal > 0 {
		total.SharePercent, total.ShareOneDecimal = "100", "100.0"
	} else {
		total.SharePercent, total.ShareOneDecimal = "0", "0.0"
	}
	out = append(out, total)
	for _, r := range s.Support {
		for _, a := range r.Amounts {
			out = append(out, SummaryRow{Section: SectionSupportAmount, Key: string(r.Type), Currency: a.Currency,
				Amount: FormatMinor(a.Minor, a.Currency)})
		}
	}
	for _, ind := range summaryCSVIndicators {
		out = append(out, SummaryRow{Section: SectionIndicator, Key: ind, Count: itoa(s.Figure(ind))})
	}
	for _, ind := range summaryCSVBreakdowns {
		kcs := s.Breakdowns[ind]
		if ind == IndSupportType {
			// every type, zeros included, like the page's people column
			for _, r := range s.Support {
				out = append(out, SummaryRow{Section: ind, Key: string(r.Type), Count: itoa(r.People)})
			}
			continue
		}
		for _, kc := range kcs {
			out = append(out, SummaryRow{Section: ind, Key: kc.Key, Count: itoa(kc.Count)})
		}
	}
	out = append(out, receiptRows(s.Receipts)...)
	// The monitoring section, last (see MonitoringSummaryRows).
	if s.Monitoring != nil {
		out = append(out, MonitoringSummaryRows(s.Monitoring)...)
	}
	return out
}

// SectionReceipts: the delivered support of the period and how much of it a receipt
// proves, one row per key of ReceiptGroups; the two last rows carry their share of the
// delivered records (whole per cents adding up to 100, and one decimal). Present when the
// summary carries the figures (Summary.Receipts).
const SectionReceipts = "receipts"

// receiptRows are SectionReceipts' rows.
func receiptRows(r *ReceiptCoverage) []SummaryRow {
	if r == nil {
		return nil
	}
	whole := LargestRemainder([]int64{r.Proven, r.Unproven()})
	tenths := []int64{r.Tenths(), 0}
	if r.Delivered > 0 {
		tenths[1] = 1000 - tenths[0]
	}
	out := []SummaryRow{{Section: SectionReceipts, Key: ReceiptsDelivered, Count: strconv.FormatInt(r.Delivered, 10)}}
	for i, g := range []string{ReceiptsProven, ReceiptsUnproven} {
		out = append(out, SummaryRow{Section: SectionReceipts, Key: g, Count: strconv.FormatInt(r.Count(g), 10),
			SharePercent: strconv.Itoa(whole[i]), ShareOneDecimal: tenthsCell(tenths[i])})
	}
	return out
}

// Details describes the filters for the audit log, like ExportFilter.Details.
func (f SummaryFilter) Details() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("from", f.From.String())
	add("to", f.To.String())
	add("office", f.Office)
	add("direction", string(f.Direction))
	add("nationality", f.Nationality)
	add("sex", string(f.Sex))
	if f.Delivered {
		add("delivered", "1")
	}
	return strings.Join(parts, " ")
}

// Summary streams summary.csv's rows (without the header) to emit: first the meta rows
// (SectionMeta), then the figures, each with the label
// given by label(section, key), then records the export in the audit log as
// export.summary with its filters and row count. pseudonymise changes nothing (the
// summary holds no personal data) but is recorded. The slice passed to emit is reused.
func (s *ExportStore) Summary(ctx context.Context, actor Actor, sum *Summary, pseudonymise bool, meta []SummaryMetaRow,
	label func(section, key string) string, emit func(row []string) error) (int, error) {
	row := make([]string, len(SummaryColumns))
	n := 0
	for _, m := range meta {
		row = append(row[:0], SectionMeta, m.Key, m.Label, m.Value, "", "", "", "")
		if err := emit(row); err != nil {
			return n, err
		}
		n++
	}
	for _, r := range SummaryRows(sum) {
		row = append(row[:0], r.Section, r.Key, label(r.Section, r.Key), r.Count, r.SharePercent, r.ShareOneDecimal,
			r.Currency, r.Amount)
		if err := emit(row); err != nil {
			return n, err
		}
		n++
	}
	ev := actor.Event("export.summary", "export", "summary")
	ev.Details = strings.TrimSpace(fmt.Sprintf("%s pseudonymise=%t rows=%d", sum.Filter.Details(), pseudonymise, n))
	if err := s.audit.Record(context.WithoutCancel(ctx), ev); err != nil {
		return n, err
	}
	return n, nil
}
