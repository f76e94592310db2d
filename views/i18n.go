package views

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// localeFiles holds the catalogue: one file per area and language, named
// AREA.LANG.json, so that each part of the portal keeps its own messages.
//
//go:embed locales/*.json
var localeFiles embed.FS

// Catalog translates message keys into French, English or Arabic.
type Catalog struct {
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
	keys       map[string]map[string]bool
	// plain holds every message translated without arguments (most labels), by
	// language and key, rendered once at load: a case file looks up some two hundred
	// labels, and doing it through the localizer was a fifth of its rendering.
	plain map[string]map[string]string
	// parser fills the messages' placeholders; go-i18n keeps each message parsed by the
	// first parser that reads it, so every Localize call names this one.
	parser *placeholderParser
}

// Languages in the order the language switch shows them; French is the default.
var Languages = []string{"fr", "en", "ar"}

// LoadCatalog reads every embedded message file.
func LoadCatalog() (*Catalog, error) {
	return loadCatalog(localeFiles)
}

func loadCatalog(fsys fs.FS) (*Catalog, error) {
	b := i18n.NewBundle(language.French)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	c := &Catalog{bundle: b, localizers: map[string]*i18n.Localizer{}, keys: map[string]map[string]bool{}, parser: &placeholderParser{}}
	files, err := fs.Glob(fsys, "locales/*.json")
	if err != nil {
		return nil, err
	}
	for _, name := range files {
		mf, err := b.LoadMessageFileFS(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", name, err)
		}
		lang := mf.Tag.String()
		if c.keys[lang] == nil {
			c.keys[lang] = map[string]bool{}
		}
		for _, m := range mf.Messages {
			if c.keys[lang][m.ID] {
				return nil, fmt.Errorf("%s: key %q is defined twice for %s", path.Base(name), m.ID, lang)
			}
			c.keys[lang][m.ID] = true
		}
	}
	c.plain = map[string]map[string]string{}
	for _, l := range Languages {
		loc := i18n.NewLocalizer(b, l)
		c.localizers[l] = loc
		c.plain[l] = map[string]string{}
		for key := range c.keys[l] {
			s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: key, TemplateParser: c.parser})
			if err != nil || s == "" {
				s = key
			}
			c.plain[l][key] = s
		}
	}
	return c, nil
}

// T translates key into lang. Args are name/value pairs for the message's {{.Name}}
// placeholders; a "Count" argument also picks the plural form. A key missing from the
// catalogue shows the key itself (the catalogue test keeps that from shipping).
func (c *Catalog) T(lang, key string, args ...any) string {
	loc, ok := c.localizers[lang]
	if !ok {
		lang, loc = Languages[0], c.localizers[Languages[0]]
	}
	if len(args) == 0 {
		if s, ok := c.plain[lang][key]; ok {
			return s
		}
	}
	cfg := &i18n.LocalizeConfig{MessageID: key, TemplateParser: c.parser}
	if len(args) > 0 {
		cfg.TemplateData = templateArgs(args)
		if n, ok := templateArgs(args).value("Count"); ok {
			cfg.PluralCount = n
		}
	}
	s, err := loc.Localize(cfg)
	if err != nil || s == "" {
		return key
	}
	return s
}

// Has reports whether a key exists in a language.
func (c *Catalog) Has(lang, key string) bool { return c.keys[lang][key] }

// MissingKeys lists, for each language, the keys that another language has and it lacks.
func (c *Catalog) MissingKeys() map[string][]string {
	all := map[string]bool{}
	for _, ks := range c.keys {
		for k := range ks {
			all[k] = true
		}
	}
	out := map[string][]string{}
	for _, l := range Languages {
		for k := range all {
			if !c.keys[l][k] {
				out[l] = append(out[l], k)
			}
		}
		sort.Strings(out[l])
		if len(out[l]) == 0 {
			delete(out, l)
		}
	}
	return out
}

// MatchLanguage picks the best supported language for an Accept-Language header.
func MatchLanguage(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Languages[0]
	}
	supported := []language.Tag{language.French, language.English, language.Arabic}
	_, idx, conf := language.NewMatcher(supported).Match(tags...)
	if conf == language.No {
		return Languages[0]
	}
	return Languages[idx]
}

// Direction is rtl for Arabic, ltr otherwise.
func Direction(lang string) string {
	if strings.HasPrefix(lang, "ar") {
		return "rtl"
	}
	return "ltr"
}
