package views

import (
	"github.com/a-h/templ"

	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

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
	// CSV is the link to summary.csv with the same filters and the user's scope.
	CSV string
	// ProducedAt and ProducedBy say when and by whom the page was produced, for its
	// printed copy.
	ProducedAt time.Time
	ProducedBy string
	// Sections are further sections drawn after the breakdowns.
	Sections []templ.Component
	// Action is where the filters are sent: the summary, or a page of its own under the
	// same filters (the reintegration monitoring).
	Action string
}

// SummaryFurtherLink is a link from the summary to a page of its own under the same
// filters: its section's id, title, description and link text (catalogue keys).
type SummaryFurtherLink struct {
	ID, Title, Text, Link, Href string
}

// SummaryFurtherLinks are the summary's pages of their own, with the filter's query.
func SummaryFurtherLinks(f models.SummaryFilter) []SummaryFurtherLink {
	return []SummaryFurtherLink{
		{ID: "receipts", Title: "documents.summary.title", Text: "documents.summary.link_text", Link: "documents.summary.link",
			Href: SummaryReceiptsLink(f)},
		{ID: "reintegration", Title: "monitoring.summary.title", Text: "monitoring.summary.link_text", Link: "monitoring.summary.link",
			Href: SummaryReintegrationLink(f)},
	}
}

// FiltersAction is where the summary's filter form goes.
func (v SummaryView) FiltersAction() string {
	if v.Action != "" {
		return v.Action
	}
	return PathSummary
}

// PathSummaryCSV is summary.csv for the summary's readers, in their own scope.
const PathSummaryCSV = "/summary.csv"

// MetaLine is one line of the summary's description: its period, filters, author and
// source, printed with the figures so that a copy says what it counts.
type MetaLine struct {
	ID, Label, Value string
}

// SummaryMeta describes a summary: the period, every filter (the default included), when
// and by whom it was produced, and the data source.
func SummaryMeta(ctx context.Context, v SummaryView) []MetaLine {
	all := T(ctx, "summary.meta.all")
	or := func(s string) string {
		if s == "" {
			return all
		}
		return s
	}
	office := v.Filter.Office
	for _, o := range v.Offices {
		if o.Code == office {
			office = o.Name + " (" + o.Code + ")"
		}
	}
	if office == "" && len(v.Offices) == 1 {
		// a one-office user's summary is that office's, whatever the filter says
		office = v.Offices[0].Name + " (" + v.Offices[0].Code + ")"
	}
	nat := ""
	if v.Filter.Nationality != "" {
		nat = CountryName(ctx, v.Filter.Nationality)
	}
	support := T(ctx, "summary.delivered.all")
	if v.Filter.Delivered {
		support = T(ctx, "summary.delivered.1")
	}
	return []MetaLine{
		{"period", T(ctx, "summary.meta.period"), PeriodText(ctx, v.Filter)},
		{"office", T(ctx, "summary.office"), or(office)},
		{"direction", T(ctx, "summary.direction"), or(Label(ctx, "summary.direction", string(v.Filter.Direction)))},
		{"nationality", T(ctx, "summary.nationality"), or(nat)},
		{"sex", T(ctx, "summary.sex"), or(Label(ctx, "summary.sex", string(v.Filter.Sex)))},
		{"support", T(ctx, "summary.delivered"), support},
		{"produced", T(ctx, "summary.meta.produced"), T(ctx, "summary.meta.produced_value",
			"Date", FormatDate(ctx, models.DateOf(v.ProducedAt)), "Time", v.ProducedAt.UTC().Format("15:04"), "By", v.ProducedBy)},
		{"source", T(ctx, "summary.meta.source"), T(ctx, "summary.meta.source_value")},
	}
}

// DefinitionKey is the catalogue key of the one-line definition of a figure (an
// indicator, or "support" for the support breakdown): what is counted and by which date.
// The support figures have a second definition for the delivered-only filter.
func DefinitionKey(ind string, f models.SummaryFilter) string {
	switch ind {
	case "support", models.IndOfficeFunded, models.IndInboundSupported, models.IndSupportType:
		if f.Delivered {
			return "summary.def." + ind + ".delivered"
		}
	}
	return "summary.def." + ind
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
	case ind == models.IndReturnsNationality:
		return CountryName(ctx, key)
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

// chartBar is one bar of a chart, with its geometry already mirrored for right-to-left.
type chartBar struct {
	X, Y, W, H     int
	Label          string
	LabelX, LabelY int
	LabelAnchor    string
	Value          string
	ValueX, ValueY int
	ValueAnchor    string
	// Sub is a second label line under Label (the year under January's bar).
	Sub  string
	SubY int
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
	const barMax, base = 150, 180
	step, barW := 44, 28
	if len(counts) > 24 {
		// many bars (a period over two years): narrow them so the chart keeps about the
		// width of two years' bars, and its labels a readable size once scaled.
		step = max(4, 1056/len(counts))
		barW = max(2, step*2/3)
	}
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
	var keys []string
	for _, kc := range s.Breakdowns[models.IndReturnsMonth] {
		keys = append(keys, kc.Key)
		labels = append(labels, kc.Key[5:])
		values = append(values, Int(ctx, kc.Count))
		counts = append(counts, kc.Count)
	}
	return yearMarks(vbarChart(labels, values, counts, Dir(ctx) == "rtl"), keys)
}

// yearMarks makes a month chart over several years readable: the year is written under
// the first month and under each January, so "03" is never ambiguous; past 24 months
// the bars are too narrow for month numbers and values, so only the year marks remain
// (the table beside the chart has every month's figure).
func yearMarks(ch chart, keys []string) chart {
	if len(keys) == 0 || keys[0][:4] == keys[len(keys)-1][:4] {
		return ch
	}
	ch.H += 16
	step := 44
	if len(ch.Bars) > 1 {
		step = abs(ch.Bars[1].X - ch.Bars[0].X)
	}
	// the first month's year only when it leaves room before the next January's
	first, _ := strconv.Atoi(keys[0][5:])
	firstMark := first == 1 || (13-first)*step >= 40
	for i := range ch.Bars {
		b := &ch.Bars[i]
		if (i == 0 && firstMark) || (i > 0 && keys[i][5:] == "01") {
			b.Sub, b.SubY = keys[i][:4], b.LabelY+16
		}
		if len(keys) > 24 {
			b.Label, b.Value = "", ""
			b.SubY = b.LabelY
		}
	}
	return ch
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

// SummaryCSVLabel is the label column of summary.csv: the figure's name in the user's
// language (the section and key columns are the stable codes).
func SummaryCSVLabel(ctx context.Context, section, key string) string {
	switch section {
	case models.SectionSupport, models.SectionSupportAmount:
		if key == models.SummaryTotalKey {
			return T(ctx, "summary.total")
		}
		return T(ctx, "summary.type."+key)
	case models.SectionIndicator:
		return T(ctx, "summary.ind."+key)
	case models.SectionReceipts:
		return T(ctx, "documents.summary.group."+key)
	}
	return KeyLabel(ctx, section, key)
}

// SummaryCSVPath is summary.csv with the summary's filters.
func SummaryCSVPath(f models.SummaryFilter) string { return ExportPath("summary.csv", f.Query()) }

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// deliveredValue is the delivered-only select's value.
func deliveredValue(f models.SummaryFilter) string {
	if f.Delivered {
		return "1"
	}
	return ""
}

// SummaryCSVMeta is the description of summary.csv (models.SectionMeta): the codes and
// dates a program reads in the value, and the same lines as on the printed page in the
// label.
func SummaryCSVMeta(ctx context.Context, v SummaryView) []models.SummaryMetaRow {
	lines := map[string]string{}
	for _, m := range SummaryMeta(ctx, v) {
		lines[m.ID] = T(ctx, "summary.meta.line", "Label", m.Label, "Value", m.Value)
	}
	office := v.Filter.Office
	if office == "" && len(v.Offices) == 1 {
		office = v.Offices[0].Code
	}
	support := "not_cancelled"
	if v.Filter.Delivered {
		support = "delivered"
	}
	return []models.SummaryMetaRow{
		{Key: "from", Value: v.Filter.From.String(), Label: lines["period"]},
		{Key: "to", Value: v.Filter.To.String(), Label: lines["period"]},
		{Key: "office", Value: office, Label: lines["office"]},
		{Key: "direction", Value: string(v.Filter.Direction), Label: lines["direction"]},
		{Key: "nationality", Value: v.Filter.Nationality, Label: lines["nationality"]},
		{Key: "sex", Value: string(v.Filter.Sex), Label: lines["sex"]},
		{Key: "support", Value: support, Label: lines["support"]},
		{Key: "produced_at", Value: v.ProducedAt.UTC().Format(time.RFC3339), Label: lines["produced"]},
		{Key: "produced_by", Value: v.ProducedBy, Label: lines["produced"]},
		{Key: "source", Value: "awda", Label: lines["source"]},
	}
}
