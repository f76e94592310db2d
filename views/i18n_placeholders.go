package views

import (
	"fmt"
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
	parsed, err := p.text.Parse(src, leftDelim, rightDelim)
	if err != nil {
		return nil, err
	}
	slow := viaText{parsed}
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

// templateArgs are a message's arguments as Catalog.T receives them: name, value, name,
// value. Passed as they are, they spare a map per translation; text/template gets one.
type templateArgs []any

// value is the argument called name (the last, as in asMap, should two share it).
func (a templateArgs) value(name string) (any, bool) {
	for i := len(a)/2*2 - 2; i >= 0; i -= 2 {
		n, ok := a[i].(string)
		if !ok {
			n = fmt.Sprint(a[i])
		}
		if n == name {
			return a[i+1], true
		}
	}
	return nil, false
}

// asMap is the arguments as text/template reads them.
func (a templateArgs) asMap() map[string]any {
	m := make(map[string]any, len(a)/2)
	for i := 0; i+1 < len(a); i += 2 {
		m[fmt.Sprint(a[i])] = a[i+1]
	}
	return m
}

// viaText is a message text/template fills, given its arguments as a map.
type viaText struct{ t template.ParsedTemplate }

func (v viaText) Execute(data any) (string, error) {
	if a, ok := data.(templateArgs); ok {
		data = a.asMap()
	}
	return v.t.Execute(data)
}

// placeholders is a message as texts[0] names[0] texts[1] … names[n-1] texts[n].
type placeholders struct {
	texts, names []string
	slow         viaText
}

// Execute fills in the placeholders from the arguments Catalog.T passes.
func (p *placeholders) Execute(data any) (string, error) {
	var lookup func(string) (any, bool)
	switch d := data.(type) {
	case templateArgs:
		lookup = d.value
	case map[string]any:
		lookup = func(name string) (any, bool) { v, ok := d[name]; return v, ok }
	default:
		return p.slow.Execute(data)
	}
	var b strings.Builder
	for i, t := range p.texts {
		b.WriteString(t)
		if i == len(p.names) {
			break
		}
		v, _ := lookup(p.names[i])
		switch v := v.(type) {
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
