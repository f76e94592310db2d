package views

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"awda/models"
)

// PathSummaryCases lists the cases behind one summary figure.
const PathSummaryCases = "/summary/cases"

// SummaryView is the summary page's view model.
type SummaryView struct {
	Filter  models.SummaryFilter
	Errors  map[string]string
	Offices []models.Office // the offices of the user's scope, for the filter
	// Sum is nil when the filters are invalid or there is no data at all.
	Sum *models.Summary
}

// SummaryCasesView is the drill-down list's view model.
type SummaryCasesView struct {
	Filter    models.SummaryFilter
	Indicator string
	Key       string
	Cases     []models.SummaryCase
	Pager     Pager
}

// FormatInt formats a whole number for a language, outside a rendered page (home labels).
func FormatInt(lang string, n int64) string {
	return message.NewPrinter(numberTag(lang)).Sprint(number.Decimal(n))
}

// SummaryLink is the summary page with the filter's query.
func SummaryLink(f models.SummaryFilter) string { return WithQuery(PathSummary, f.Query()) }

// DrillPath is the list of the cases behind a figure, with the same filters.
func DrillPath(f models.SummaryFilter, ind, key string) string {
	q := f.Query()
	q.Set("indicator", ind)
	if key != "" {
		q.Set("key", key)
	}
	return PathSummaryCases + "?" + q.Encode()
}

// KeyLabel is a breakdown key as people read it.
func KeyLabel(ctx context.Context, ind, key string) string {
	switch {
	case key == models.OtherKey:
		return T(ctx, "summary.other")
	case ind == models.IndReturnsMonth && len(key) == 7:
		m, _ := strconv.Atoi(key[5:])
		return T(ctx, fmt.Sprintf("month.%d", m)) + " " + key[:4]
	case ind == models.IndReturnsSex:
		return T(ctx, "summary.sex."+key)
	case ind == models.IndReturnsAge:
		return T(ctx, "summary.age."+key)
	case ind == models.IndVulnerability:
		return T(ctx, "summary.vuln."+key)
	case ind == models.IndSupportType:
		return T(ctx, "summary.type."+key)
	case ind == models.IndReferrals:
		p, st, _ := strings.Cut(key, ":")
		return T(ctx, "summary.partner."+p) + " · " + T(ctx, "summary.referral_status."+st)
	}
	return key
}

// IndicatorTitle names a figure: the indicator and, for a breakdown, its key.
func IndicatorTitle(ctx context.Context, ind, key string) string {
	s := T(ctx, "summary.ind."+ind)
	if models.IsKeyed(ind) && key != "" {
		s += " — " + KeyLabel(ctx, ind, key)
	}
	return s
}

// PeriodText is "1 janvier 2021 – 31 décembre 2021".
func PeriodText(ctx context.Context, f models.SummaryFilter) string {
	return FormatDate(ctx, f.From) + " – " + FormatDate(ctx, f.To)
}

// ShareText is a whole per cent (58 %).
func ShareText(ctx context.Context, n int) string {
	return T(ctx, "summary.percent", "N", Int(ctx, int64(n)))
}

// TenthsText is a one-decimal per cent (58,3 %).
func TenthsText(ctx context.Context, tenths int64) string {
	return T(ctx, "summary.percent", "N", Decimal(ctx, float64(tenths)/10, 1))
}

// AmountsText lists amounts per currency, never summed across currencies.
func AmountsText(ctx context.Context, as []models.Amount) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = Money(ctx, a.Minor, a.Currency)
	}
	return strings.Join(parts, " · ")
}

// chartBar is one bar of a chart, with its geometry already mirrored for right-to-left.
type chartBar struct {
	X, Y, W, H     int
	Label          string
	LabelX, LabelY int
	LabelAnchor    string
	Value          string
	ValueX, ValueY int
	ValueAnchor    string
}

// chart is an inline SVG bar chart drawn on the server.
type chart struct {
	W, H int
	Bars []chartBar
}

// hbarChart draws horizontal bars, one per row, labels on the reading side.
func hbarChart(labels, values []string, counts []int64, rtl bool) chart {
	const w, rowH, labelW, barMax = 640, 30, 180, 360
	var top int64
	for _, c := range counts {
		top = max(top, c)
	}
	ch := chart{W: w, H: rowH*len(counts) + 10}
	for i, c := range counts {
		bw := 0
		if top > 0 {
			bw = int(c * barMax / top)
		}
		y := 5 + i*rowH
		b := chartBar{Y: y + 4, W: bw, H: rowH - 10, Label: labels[i], Value: values[i], LabelY: y + rowH/2 + 4, ValueY: y + rowH/2 + 4}
		if rtl {
			b.X = w - labelW - bw
			b.LabelX, b.LabelAnchor = w-labelW+8, "start"
			b.ValueX, b.ValueAnchor = b.X-6, "end"
		} else {
			b.X = labelW
			b.LabelX, b.LabelAnchor = labelW-8, "end"
			b.ValueX, b.ValueAnchor = labelW+bw+6, "start"
		}
		ch.Bars = append(ch.Bars, b)
	}
	return ch
}

// vbarChart draws vertical bars left to right (right to left in Arabic).
func vbarChart(labels, values []string, counts []int64, rtl bool) chart {
	const step, barW, barMax, base = 44, 28, 150, 180
	var top int64
	for _, c := range counts {
		top = max(top, c)
	}
	ch := chart{W: max(360, 20+step*len(counts)), H: base + 24}
	for i, c := range counts {
		bh := 0
		if top > 0 {
			bh = int(c * barMax / top)
		}
		x := 10 + i*step
		if rtl {
			x = ch.W - 10 - i*step - barW
		}
		ch.Bars = append(ch.Bars, chartBar{
			X: x, Y: base - bh, W: barW, H: bh,
			Label: labels[i], LabelX: x + barW/2, LabelY: base + 16, LabelAnchor: "middle",
			Value: values[i], ValueX: x + barW/2, ValueY: base - bh - 4, ValueAnchor: "middle",
		})
	}
	return ch
}

func supportChart(ctx context.Context, s *models.Summary) chart {
	var labels, values []string
	var counts []int64
	for _, r := range s.Support {
		labels = append(labels, T(ctx, "summary.type."+string(r.Type)))
		values = append(values, ShareText(ctx, r.Share))
		counts = append(counts, r.Count)
	}
	return hbarChart(labels, values, counts, Dir(ctx) == "rtl")
}

func monthChart(ctx context.Context, s *models.Summary) chart {
	var labels, values []string
	var counts []int64
	for _, kc := range s.Breakdowns[models.IndReturnsMonth] {
		labels = append(labels, kc.Key[5:])
		values = append(values, Int(ctx, kc.Count))
		counts = append(counts, kc.Count)
	}
	return vbarChart(labels, values, counts, Dir(ctx) == "rtl")
}

// summaryBreakdowns are the breakdown tables shown under the indicators, in order.
var summaryBreakdowns = []string{
	models.IndReturnsNationality, models.IndReturnsOffice, models.IndReturnsSex, models.IndReturnsAge,
	models.IndVulnerability, models.IndReferrals,
}

// summaryCards are the headline figures, in order.
var summaryCards = []string{
	models.IndReturns, models.IndInformed, models.IndTrained, models.IndOfficeFunded,
	models.IndInboundSupported, models.IndVulnerable,
}

func itoa(n int) string { return strconv.Itoa(n) }
