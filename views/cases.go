package views

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"awda/models"
)

// CaseForm is the registration and edit form: the values as typed, their errors, the
// choices, and what stopped the save (possible duplicates, an edit conflict).
type CaseForm struct {
	ID      uint
	Number  string
	Version int
	In      models.CaseInput
	Errors  models.FieldErrors
	// Offices is the office choice for users not bound to an office; empty otherwise.
	Offices []Option
	// OfficeName is the fixed office of a bound user, shown instead of a choice.
	OfficeName string
	Assignees  []Option
	Duplicates []models.Case
	Conflict   []ConflictRow
}

// Editing reports whether the form edits an existing case.
func (f CaseForm) Editing() bool { return f.ID != 0 }

// Action is where the form is sent.
func (f CaseForm) Action() string {
	if f.Editing() {
		return CasePath(f.ID)
	}
	return PathCases
}

func (f CaseForm) field(name, label string) Field {
	return Field{Name: name, Label: label, Error: f.Errors[name]}
}

// ConflictRow is one field changed by someone else while the user was editing.
type ConflictRow struct {
	Field string // form field name
	Now   string // the value saved meanwhile, ready to show
	Mine  string // the user's value, ready to show
}

// CaseList is the search page.
type CaseList struct {
	Rows    []CaseRow
	Total   int64
	Query   url.Values
	Page    int
	PerPage int
	Offices []Option
	Workers []Option
	// Caseworkers are who cases can be reassigned to.
	Caseworkers []Option
	Statuses    []Option
	// CanReassign shows the selection boxes and the reassignment form (supervisors).
	CanReassign bool
	ShowOffice  bool
}

// Pager links pages of the list, keeping every filter.
func (l CaseList) Pager() Pager {
	return Pager{Page: l.Page, PerPage: l.PerPage, Total: l.Total, Link: func(p int) string {
		q := url.Values{}
		for k, v := range l.Query {
			q[k] = v
		}
		q.Set("page", strconv.Itoa(p))
		return WithQuery(PathCases, q)
	}}
}

// SortLink is the list sorted by key, keeping the filters.
func (l CaseList) SortLink(key string) string {
	q := url.Values{}
	for k, v := range l.Query {
		q[k] = v
	}
	q.Del("page")
	q.Set("sort", key)
	return WithQuery(PathCases, q)
}

// StepForm is one workflow move offered on the case file.
type StepForm struct {
	To string
	// Reasons is the closure reasons (for closed).
	Reasons []string
	Travel  bool
}

// CaseFile is the case file page. Sections are added by other areas (support,
// sessions, activities, referrals) and rendered after the status history.
type CaseFile struct {
	Case    *models.Case
	CanEdit bool
	Closed  bool
	Steps   []StepForm
	// Move holds the status form as typed when it was refused, and its errors.
	Move       models.TransitionInput
	MoveErrors models.FieldErrors
	MoveError  string // translation key of a refused move
	// OpenStep is the move whose form is shown open on arrival (the header's next action).
	OpenStep string
	Head     CaseHead
	Sections []templ.Component
}

// CaseAge is the person's age shown on the file: from the birth date, or the estimate.
func CaseAge(c *models.Case, today models.Date) string {
	if !c.BirthDate.IsZero() {
		t, b := today.Time(), c.BirthDate.Time()
		age := t.Year() - b.Year()
		if t.YearDay() < b.YearDay() {
			age--
		}
		return strconv.Itoa(age)
	}
	if c.AgeEstimate != nil {
		return "~" + strconv.Itoa(*c.AgeEstimate)
	}
	return ""
}

// UserName is a user's name, or empty.
func UserName(u *models.User) string {
	if u == nil {
		return ""
	}
	return u.Name
}

func householdField(i int, name string) string { return fmt.Sprintf("household[%d].%s", i, name) }

func vulnSet(vs []string) map[string]bool {
	m := map[string]bool{}
	for _, v := range vs {
		m[v] = true
	}
	return m
}

func caseVulnCodes(c *models.Case) []string {
	var out []string
	for _, v := range c.VulnerabilityOf {
		out = append(out, v.Code)
	}
	return out
}

func enumStrings[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func caseOptions(ctx context.Context, prefix string, values []string) []Option {
	return Options(ctx, "cases."+prefix, values...)
}

func uintStr(n uint) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatUint(uint64(n), 10)
}

func boolText(ctx context.Context, b bool) string {
	if b {
		return T(ctx, "cases.yes")
	}
	return T(ctx, "cases.no")
}

// withArg translates a message with one argument once per page and returns a function
// that fills it in for each row (a list row's label costs a substitution, not a template).
func withArg(ctx context.Context, key, name string) func(string) string {
	const mark = "\x00"
	msg := T(ctx, key, name, mark)
	if strings.Count(msg, mark) != 1 {
		return func(v string) string { return T(ctx, key, name, v) }
	}
	before, after, _ := strings.Cut(msg, mark)
	return func(v string) string { return before + v + after }
}
