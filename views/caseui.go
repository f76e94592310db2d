package views

import (
	"context"
	"net/url"

	"awda/models"
)

// CaseRow is one case of the list with how long it has waited since its last change.
type CaseRow struct {
	models.Case
	// DaysWaiting is the whole days since the case last changed; Waiting is false for
	// a closed case, which waits for nothing.
	DaysWaiting int
	Waiting     bool
}

// FilterChip is one active filter of the case list: what it is, its value ready to
// show, and the same list without it.
type FilterChip struct {
	Param  string
	Label  string
	Value  string
	Remove string
}

// filterParams are the list's filters in the order the bar shows them (sort and page
// are not filters: they keep their value when a filter is removed).
var filterParams = []struct{ param, label string }{
	{"q", "cases.filter.q"},
	{"status", "cases.field.status"},
	{"direction", "cases.field.direction"},
	{"office", "cases.field.office"},
	{"nationality", "cases.field.nationality"},
	{"vulnerability", "cases.field.vulnerabilities"},
	{"assigned", "cases.field.assigned_to"},
	{"stale", "caseui.filter.stale"},
}

// Chips are the active filters, each with a link that removes it.
func (l CaseList) Chips(ctx context.Context) []FilterChip {
	var out []FilterChip
	for _, fp := range filterParams {
		v := l.Query.Get(fp.param)
		if v == "" {
			continue
		}
		out = append(out, FilterChip{Param: fp.param, Label: T(ctx, fp.label), Value: l.filterValue(ctx, fp.param, v), Remove: l.without(fp.param)})
	}
	return out
}

// FiltersActive says whether any filter narrows the list.
func (l CaseList) FiltersActive() bool {
	for _, fp := range filterParams {
		if l.Query.Get(fp.param) != "" {
			return true
		}
	}
	return false
}

// ClearLink is the list without any filter, in the same order.
func (l CaseList) ClearLink() string {
	q := url.Values{}
	if s := l.Query.Get("sort"); s != "" {
		q.Set("sort", s)
	}
	return WithQuery(PathCases, q)
}

// without is the list without one filter, back on its first page.
func (l CaseList) without(param string) string {
	q := url.Values{}
	for k, v := range l.Query {
		if k != param && k != "page" {
			q[k] = v
		}
	}
	return WithQuery(PathCases, q)
}

// filterValue is a filter's value as the bar's controls name it.
func (l CaseList) filterValue(ctx context.Context, param, v string) string {
	pick := func(opts []Option) string {
		for _, o := range opts {
			if o.Value == v {
				return o.Label
			}
		}
		return v
	}
	switch param {
	case "status":
		return pick(l.Statuses)
	case "office":
		return pick(l.Offices)
	case "assigned":
		return pick(l.Workers)
	case "direction":
		return Label(ctx, "cases.direction", v)
	case "vulnerability":
		return Label(ctx, "cases.vulnerability", v)
	case "nationality":
		return CountryName(ctx, v)
	case "stale":
		return T(ctx, "cases.yes")
	}
	return v
}

// NextAction is the one main thing to do next on a case, shown as a button in the
// case file's header. A stage where the user can only wait for someone else has Wait
// set and no link.
type NextAction struct {
	// ID names the action (move-counselled, record-counselling, plan-support, …).
	ID string
	// Key is the translation key of the button or of the waiting note.
	Key  string
	Href string
	Wait bool
}

// CaseHead is what the case file's header shows besides the case itself.
type CaseHead struct {
	// Age is the age at the return when the person has left, otherwise today; empty
	// when neither the birth date nor an estimate is known.
	Age         string
	AgeAtReturn bool
	Next        NextAction
}

// CaseFileLink is the case file with one of its forms opened, scrolled to it.
func CaseFileLink(id uint, open, anchor string) string {
	p := CasePath(id)
	if open != "" {
		p += "?open=" + url.QueryEscape(open)
	}
	return p + "#" + anchor
}

// TimelineKinds are the kinds the case file's timeline can be filtered to.
var TimelineKinds = []string{"status", "activity", "support", "referral", "session"}

// TimelineLink is the case file with its timeline filtered to one kind (all when empty).
func TimelineLink(id uint, kind string) string {
	p := CasePath(id)
	if kind != "" {
		p += "?timeline=" + url.QueryEscape(kind)
	}
	return p + "#history"
}

func daysText(ctx context.Context, n int) string {
	return T(ctx, "caseui.days", "Count", n)
}

// arrowForward points from the nationality to the return country in the page's
// reading direction (arrows are not mirrored by the bidi algorithm).
func arrowForward(ctx context.Context) string {
	if Dir(ctx) == "rtl" {
		return "←"
	}
	return "→"
}

// hasProcess says whether the case file's stage section has anything to show: the
// journey, the closure, a refused move or a move this user may make.
func (f CaseFile) hasProcess() bool {
	cs := f.Case
	return !cs.DepartureDate.IsZero() || cs.ClosureReason != "" || f.MoveError != "" || len(f.MoveErrors) > 0 ||
		f.CanEdit && len(f.Steps) > 0
}
