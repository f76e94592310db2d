package views

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"awda/models"
)

// writtenID is the id of a date input's written-out date.
func (f Field) writtenID() string { return f.id() + "-written" }

// inputDescribedBy is what describes an input: its written-out date (for a date), its
// hint and its error.
func (f Field) inputDescribedBy() string {
	if f.Type == "date" {
		return Attr(f.writtenID(), f.hintID(), f.errorID())
	}
	return f.describedBy()
}

// monthNames is the twelve month names of the page's language, separated by "|", for
// app.js to write a date out as the server does.
func monthNames(ctx context.Context) string {
	names := make([]string, 12)
	for i := range names {
		names[i] = T(ctx, "month."+strconv.Itoa(i+1))
	}
	return strings.Join(names, "|")
}

// writtenDate is an ISO date written out in the page's language, or "" when the value
// is not a date (empty, or typed into a browser without a date picker).
func writtenDate(ctx context.Context, iso string) string {
	d, err := models.ParseDate(iso)
	if err != nil || d.IsZero() {
		return ""
	}
	return FormatDate(ctx, d)
}

// errorItem is one line of a form's error summary.
type errorItem struct {
	Name, ID, Label, Message string
}

// errorItems orders a form's errors as its fields are shown, then the others by name.
func errorItems(ctx context.Context, errs map[string]string, fields []Field) []errorItem {
	out := make([]errorItem, 0, len(errs))
	done := map[string]bool{}
	for _, f := range fields {
		key, ok := errs[f.Name]
		if !ok || done[f.Name] {
			continue
		}
		done[f.Name] = true
		out = append(out, errorItem{Name: f.Name, ID: f.id(), Label: T(ctx, f.Label), Message: T(ctx, key)})
	}
	var rest []string
	for name := range errs {
		if !done[name] {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	for _, name := range rest {
		out = append(out, errorItem{Name: name, ID: "field-" + name, Message: T(ctx, errs[name])})
	}
	return out
}
