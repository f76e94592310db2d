package views

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"awda/models"
)

// PathAdminInstruments is the monitoring instrument's versions and their upload.
const PathAdminInstruments = "/admin/instruments"

// NewVisitPath is the form of a new monitoring visit on a case.
func NewVisitPath(caseID uint) string { return fmt.Sprintf("/cases/%d/visits/new", caseID) }

// CaseVisitsPath receives new monitoring visits.
func CaseVisitsPath(caseID uint) string { return fmt.Sprintf("/cases/%d/visits", caseID) }

// EditVisitPath is the correction form of a recorded visit.
func EditVisitPath(caseID, visitID uint) string {
	return fmt.Sprintf("/cases/%d/visits/%d/edit", caseID, visitID)
}

// VisitPath receives the correction of a recorded visit.
func VisitPath(caseID, visitID uint) string {
	return fmt.Sprintf("/cases/%d/visits/%d", caseID, visitID)
}

// CloseCompletedPath closes a case whose follow-ups are all done as reintegration completed.
func CloseCompletedPath(caseID uint) string { return fmt.Sprintf("/cases/%d/close-completed", caseID) }

// VisitForm is the monitoring visit form: a new visit drawn with the current instrument,
// or (VisitID set) the correction of a recorded one, drawn with the visit's own version.
type VisitForm struct {
	CaseID     uint
	CaseNumber string
	In         models.VisitInput
	Errors     models.FieldErrors
	Instrument *models.InstrumentVersion
	// VisitID and Version are the visit corrected and the version the form was drawn from.
	VisitID uint
	Version int
	// Conflict is set when someone saved the visit meanwhile: the fields they changed
	// (possibly none known).
	Conflict []string
	// Conflicted is true when the correction was refused as stale.
	Conflicted bool
}

// Editing is true for the correction of a recorded visit.
func (f VisitForm) Editing() bool { return f.VisitID != 0 }

func visitFormTitle(f VisitForm) string {
	if f.Editing() {
		return "monitoring.visit.edit"
	}
	return "monitoring.visit.new"
}

func visitFormAction(f VisitForm) string {
	if f.Editing() {
		return VisitPath(f.CaseID, f.VisitID)
	}
	return CaseVisitsPath(f.CaseID)
}

// MonitoringVM is the monitoring section of a case file.
type MonitoringVM struct {
	CaseID    uint
	CanRecord bool
	M         *models.CaseMonitoring
	// CaseVersion is the case's version, for the close-as-completed form.
	CaseVersion int
	// CanClose offers closing as completed (a supervisor, a case in reintegration);
	// the button shows once every planned follow-up is done, a hint before.
	CanClose bool
}

// visitFieldLabel is the label of a visit field named in a conflict.
func visitFieldLabel(ctx context.Context, field string) string {
	return T(ctx, "monitoring.field."+field)
}

// conflictFields lists the labels of the fields someone changed meanwhile.
func conflictFields(ctx context.Context, fields []string) string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = visitFieldLabel(ctx, f)
	}
	return strings.Join(out, ", ")
}

// interviewerText is a visit's interviewer, or says it was not recorded.
func interviewerText(ctx context.Context, name string) string {
	if name == "" {
		return T(ctx, "monitoring.visits.no_interviewer")
	}
	return name
}

// InstrumentsPage is the admin page of the instrument's versions.
type InstrumentsPage struct {
	Versions []models.InstrumentVersion
	// Problems are the validation errors of a refused upload; FileError a missing file.
	Problems  []models.InstrumentProblem
	FileError string
	// Import is the result of a visit file's dry run (or of a refused import);
	// ImportError a missing visit file.
	Import      *models.ImportResult
	ImportError string
}

// PathAdminVisitImport receives visit files: a dry run, or with commit=1 the import.
const PathAdminVisitImport = "/admin/imports/visits"

// visitFormFields are the visit form's fields for the error summary, in form order.
func visitFormFields(f VisitForm) []Field {
	out := []Field{{Name: "kind", Label: "monitoring.field.kind"}, {Name: "date", Label: "monitoring.field.date"},
		{Name: "method", Label: "monitoring.field.method"}, {Name: "interviewer", Label: "monitoring.field.interviewer"}}
	if f.Instrument != nil {
		for _, q := range f.Instrument.Instrument.Questions() {
			out = append(out, Field{Name: q.Field(), ID: "field-" + q.Field()})
		}
	}
	return append(out, Field{Name: "notes", Label: "monitoring.field.notes"})
}

// score formats a 0–1 score with two decimals in the page's language; "–" for none.
func score(ctx context.Context, v *float64) string {
	if v == nil {
		return "–"
	}
	return Decimal(ctx, *v, 2)
}

// text is an instrument text in the page's language.
func text(ctx context.Context, t models.Texts) string { return t.In(Req(ctx).Lang) }

// answerOptions are a question's choices followed by don't know and refused.
func answerOptions(ctx context.Context, q *models.Question) []Option {
	var out []Option
	for _, o := range q.Options {
		out = append(out, Option{Value: o.Code, Label: text(ctx, o.Label)})
	}
	return append(out, Option{Value: models.AnswerDontKnow, Label: T(ctx, "monitoring.answer.dk")},
		Option{Value: models.AnswerRefused, Label: T(ctx, "monitoring.answer.refused")})
}

// mixedVersions is true when a case's visits were scored with more than one version.
func mixedVersions(visits []models.Visit) bool {
	for _, v := range visits {
		if v.InstrumentVersion != visits[0].InstrumentVersion {
			return true
		}
	}
	return false
}

// chartPoint is one visit's composite score on the chart.
type chartPoint struct {
	X, Y  int
	Label string
}

// Chart geometry: the plot is drawn inside a fixed view box and scales with the page.
const (
	chartW, chartH = 320, 140
	chartPad       = 24
)

// scoreChart places the visits that have a composite score: evenly along the x axis in
// date order, the score from 0 (bottom) to 1 (top).
func scoreChart(ctx context.Context, visits []models.Visit) ([]chartPoint, string) {
	var scored []models.Visit
	for _, v := range visits {
		if v.Composite != nil {
			scored = append(scored, v)
		}
	}
	var pts []chartPoint
	var line []string
	for i, v := range scored {
		x := chartPad + (chartW-2*chartPad)/2
		if len(scored) > 1 {
			x = chartPad + i*(chartW-2*chartPad)/(len(scored)-1)
		}
		y := chartPad + int((1-*v.Composite)*float64(chartH-2*chartPad)+0.5)
		pts = append(pts, chartPoint{X: x, Y: y, Label: FormatDate(ctx, v.Date) + " · " + score(ctx, v.Composite)})
		line = append(line, strconv.Itoa(x)+","+strconv.Itoa(y))
	}
	return pts, strings.Join(line, " ")
}

// bandY is the height of a band threshold on the chart.
func bandY(threshold float64) int {
	return chartPad + int((1-threshold)*float64(chartH-2*chartPad)+0.5)
}

// dimensionLabel is a dimension's label in the version a visit was scored with, or the
// current one.
func dimensionLabel(ctx context.Context, iv *models.InstrumentVersion, code string) string {
	for _, d := range iv.Instrument.Dimensions {
		if d.Code == code {
			return text(ctx, d.Label)
		}
	}
	return code
}

// problemText is an instrument problem's message in the page's language.
func problemText(ctx context.Context, p models.InstrumentProblem) string {
	return T(ctx, p.Key, "Value", p.Value, "Path", p.Path)
}

// countIndicators is the number of indicators of an instrument.
func countIndicators(ins *models.Instrument) int {
	n := 0
	for _, d := range ins.Dimensions {
		n += len(d.Indicators)
	}
	return n
}

// bandClass styles a band's badge with the existing badge colours.
func bandClass(band string) string {
	switch band {
	case "high":
		return "badge returned"
	case "low":
		return "badge warning"
	}
	return "badge"
}

// followupClass styles a planned follow-up's state.
func followupClass(st models.FollowupState) string {
	switch st {
	case models.FollowupDone:
		return "badge returned"
	case models.FollowupOverdue:
		return "badge warning"
	case models.FollowupUpcoming:
		return "badge closed"
	}
	return "badge"
}

// PathSummaryMonitoring lists the cases behind a figure of the monitoring summary.
const PathSummaryMonitoring = "/summary/monitoring"

// PathSummaryReintegration is the summary's reintegration monitoring: the same people's
// scores at baseline and at their latest follow-up, under the summary's filters.
const PathSummaryReintegration = "/summary/reintegration"

// SummaryReintegrationLink is the reintegration monitoring page with the filter's query.
func SummaryReintegrationLink(f models.SummaryFilter) string {
	return WithQuery(PathSummaryReintegration, f.Query())
}

// MonitoringDrillPath is the drill-down of a monitoring figure, with the same filters.
func MonitoringDrillPath(f models.SummaryFilter, group string) string {
	return SummaryGroupPath(PathSummaryMonitoring, f, group, 0)
}

// SummaryGroupPath is a drill-down list of a summary page's group (path), with the
// summary's filters, at a page of the list (0: the first, unsaid).
func SummaryGroupPath(path string, f models.SummaryFilter, group string, page int) string {
	q := f.Query()
	q.Set("group", group)
	if page > 0 {
		q.Set("page", strconv.Itoa(page))
	}
	return WithQuery(path, q)
}

// MonitoringSummaryVM is the monitoring section of the summary page.
type MonitoringSummaryVM struct {
	Filter models.SummaryFilter
	M      *models.MonitoringSummary
	// Instrument labels the dimensions (the current version).
	Instrument *models.InstrumentVersion
}

// MonitoringCasesView is the list of the cases behind a monitoring figure.
type MonitoringCasesView struct {
	Filter models.SummaryFilter
	Group  string
	Cases  []models.MonitoringCase
	Pager  Pager
}

// groupLabel names a drill-down group.
func groupLabel(ctx context.Context, group string) string {
	kind, key, _ := strings.Cut(group, ":")
	switch kind {
	case "band":
		return T(ctx, "monitoring.summary.band_group", "Band", Label(ctx, "monitoring.band", key))
	case "support":
		return T(ctx, "monitoring.summary.support_group", "Group", supportGroupLabel(ctx, key))
	case "office":
		return T(ctx, "monitoring.summary.office_group", "Office", key)
	}
	return T(ctx, "monitoring.summary.group."+kind)
}

func supportGroupLabel(ctx context.Context, key string) string {
	if key == "none" {
		return T(ctx, "monitoring.summary.no_support")
	}
	return Label(ctx, "casework.type", key)
}

// versionList writes versions as "1, 2".
func versionList(vs []int) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strconv.Itoa(v)
	}
	return strings.Join(out, ", ")
}

// MonitoringCSVLabel is the label of a monitoring row of summary.csv (ok false for the
// other sections): the page's words for the figure, a mean named by its score and
// whether it is at baseline or at the latest follow-up.
func MonitoringCSVLabel(ctx context.Context, iv *models.InstrumentVersion, section, key string) (string, bool) {
	name := func(k string) string {
		switch section {
		case models.SectionMonitoringMean:
			if k == models.CompositeKey {
				return T(ctx, "monitoring.visits.composite")
			}
			return dimensionLabel(ctx, iv, k)
		case models.SectionMonitoringSupport:
			return supportGroupLabel(ctx, k)
		}
		return k
	}
	switch section {
	case models.SectionMonitoring:
		return T(ctx, "monitoring.summary.group."+key), true
	case models.SectionMonitoringBand:
		return Label(ctx, "monitoring.band", key), true
	case models.SectionMonitoringMean, models.SectionMonitoringSupport, models.SectionMonitoringOffice:
		for suffix, when := range map[string]string{models.MeanBaselineSuffix: "monitoring.summary.baseline",
			models.MeanFollowupSuffix: "monitoring.summary.followup"} {
			if k, ok := strings.CutSuffix(key, suffix); ok {
				return T(ctx, "monitoring.summary.csv_mean", "Group", name(k), "When", T(ctx, when)), true
			}
		}
		return name(key), true
	}
	return "", false
}
