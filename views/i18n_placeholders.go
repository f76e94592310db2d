package views

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n/template"
)

// placeholderParser parses the catalogue's messages for the localizer. Their only
// actions are {{.Name}} placeholders, so a message is kept as its text between them and
// filled in by concatenation: a home page fills some twenty figures ("{{.N}} cases"),
// and text/template, walking each by reflection, was half of every translation with
// arguments. A message with any other action, or a value that is not a string or a
// whole number, is left to text/template, so the result is always what it would give.
type placeholderParser struct {
	text template.TextParser
}

// placeholderAction is {{.Name}}, as text/template reads it (spaces allowed inside).
var placeholderAction = regexp.MustCompile(`\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// Cacheable: each message is parsed once; go-i18n keeps the result.
func (p *placeholderParser) Cacheable() bool { return true }

// Parse splits src into text and placeholders when those are its only actions.
func (p *placeholderParser) Parse(src, leftDelim, rightDelim string) (template.ParsedTemplate, error) {
	slow, err := p.text.Parse(src, leftDelim, rightDelim)
	if err != nil {
		return nil, err
	}
	if strings.Trim(leftDelim, "{") != "" || strings.Trim(rightDelim, "}") != "" || len(leftDelim) > 2 || len(rightDelim) > 2 {
		return slow, nil
	}
	names := placeholderAction.FindAllStringSubmatch(src, -1)
	if len(names) == 0 {
		return slow, nil
	}
	texts := placeholderAction.Split(src, -1)
	for _, t := range texts {
		if strings.Contains(t, "{{") {
			return slow, nil
		}
	}
	out := &placeholders{texts: texts, slow: slow}
	for _, m := range names {
		out.names = append(out.names, m[1])
	}
	return out, nil
}

// placeholders is a message as texts[0] names[0] texts[1] … names[n-1] texts[n].
type placeholders struct {
	texts, names []string
	slow         template.ParsedTemplate
}

// Execute fills in the placeholders from the arguments Catalog.T passes.
func (p *placeholders) Execute(data any) (string, error) {
	m, ok := data.(map[string]any)
	if !ok {
		return p.slow.Execute(data)
	}
	var b strings.Builder
	for i, t := range p.texts {
		b.WriteString(t)
		if i == len(p.names) {
			break
		}
		switch v := m[p.names[i]].(type) {
		case string:
			b.WriteString(v)
		case int:
			b.WriteString(strconv.Itoa(v))
		case int64:
			b.WriteString(strconv.FormatInt(v, 10))
		case int32:
			b.WriteString(strconv.FormatInt(int64(v), 10))
		case uint:
			b.WriteString(strconv.FormatUint(uint64(v), 10))
		case uint64:
			b.WriteString(strconv.FormatUint(v, 10))
		default:
			// a missing value ("<no value>"), a Stringer, a pointer: as text/template
			return p.slow.Execute(data)
		}
	}
	return b.String(), nil
}
