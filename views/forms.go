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

// RoleLabel is a user's role as shown beside their name: feminine or masculine when
// the account says which (French and Arabic agree the title with the person), the
// neutral form otherwise.
func RoleLabel(ctx context.Context, u *models.User) string {
	if u == nil {
		return ""
	}
	switch u.Sex {
	case "F":
		return Label(ctx, "role_f", string(u.Role))
	case "M":
		return Label(ctx, "role_m", string(u.Role))
	}
	return Label(ctx, "role", string(u.Role))
}

// PersonName is a person's family and given names, each as typed, in the order the
// page's language puts them (the catalogue's person.name): "CAMARA Mariama" reads in a
// French register, "Mariama Camara" in English and Arabic.
func PersonName(ctx context.Context, family, given string) string {
	return strings.TrimSpace(T(ctx, "person.name", "Family", family, "Given", given))
}

// HistoryNote is a status change's note as shown: a note the portal wrote, in the
// page's language (also when it was stored as English text, before notes were keys);
// a note someone typed, as typed.
func HistoryNote(ctx context.Context, note string) string {
	if key := models.SystemNoteKey(note); key != "" {
		return T(ctx, key)
	}
	return note
}
