package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"awda/models"
)

// caseNumberRE is the shape of a case number: office, year, five-digit sequence.
var caseNumberRE = regexp.MustCompile(`^[A-Z]{3}-\d{4}-\d{5}$`)

// fixtureCase is the case TestMain registers before any test runs (through HTTP, not
// the browser), so that the pages of pages and shots can name it: /cases/1.
const fixtureCase = "/cases/1"

// fixtureForm is a complete registration: two household members, two
// vulnerabilities, every optional field filled, so that the case file shows every
// section (for axe and the screenshots).
func fixtureForm() url.Values {
	return url.Values{
		"direction": {"outbound"}, "family_name": {"Camara"}, "given_name": {"Mariama"}, "sex": {"F"},
		"birth_date": {"1994-03-08"}, "nationality": {"GN"}, "return_country": {"GN"}, "phone": {"+212 6 61 22 33 44"},
		"languages": {"Soussou, français"}, "id_doc_type": {"passport"}, "id_doc_number": {"R0987654"},
		"vulnerabilities":   {"single_parent", "medical_condition"},
		"household[0].name": {"Ibrahima Camara"}, "household[0].relation": {"child"}, "household[0].sex": {"M"},
		"household[0].birth_date": {"2019-01-10"},
		"household[1].name":       {"Aïssatou Camara"}, "household[1].relation": {"child"}, "household[1].sex": {"F"},
		"household[1].birth_date": {"2021-06-02"},
		"consent_date":            {"2026-02-25"}, "consent_share": {"1"}, "request_date": {"2026-02-20"},
		"request_reason": {"lack_of_resources"},
		"notes":          {"Arrivée d'Oujda avec ses deux enfants.\nSuivi médical en cours au centre de santé de Yacoub El Mansour."},
	}
}

// portal is a plain HTTP client of the portal, signed in as an account: it prepares
// data (cases) quickly, outside the browser, for the tests that look at it.
type portal struct {
	c *http.Client
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// signIn signs an account in with a fresh cookie jar.
func signIn(who string) (*portal, error) {
	a, ok := accounts[who]
	if !ok {
		return nil, fmt.Errorf("no account %q", who)
	}
	jar, _ := cookiejar.New(nil)
	p := &portal{c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	st, loc, err := p.post("/login", "/login", url.Values{"email": {a.Email}, "password": {password}})
	if err != nil {
		return nil, err
	}
	if st == http.StatusSeeOther {
		if loc, err = p.finishSignIn(who, loc); err != nil {
			return nil, err
		}
	}
	if st != http.StatusSeeOther || loc != "/" {
		return nil, fmt.Errorf("sign in as %s: %d → %q", who, st, loc)
	}
	return p, nil
}

// post loads formPage (for its CSRF token), then posts the form to path and returns
// the status and the redirect's location.
func (p *portal) post(formPage, path string, form url.Values) (int, string, error) {
	resp, err := p.c.Get(baseURL + formPage)
	if err != nil {
		return 0, "", err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRE.FindSubmatch(body)
	if m == nil {
		return 0, "", fmt.Errorf("GET %s: %d, no CSRF token", formPage, resp.StatusCode)
	}
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("_csrf", string(m[1]))
	resp, err = p.c.PostForm(baseURL+path, f)
	if err != nil {
		return 0, "", err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location"), nil
}

// register registers a case and returns its path (/cases/ID). What the form has
// chosen already (the direction, the caseworker it is assigned to) is sent as a
// browser would, unless form says otherwise.
func (p *portal) register(form url.Values) (string, error) {
	resp, err := p.c.Get(baseURL + "/cases/new")
	if err != nil {
		return "", err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	full := formValues(string(body))
	for k, v := range form {
		full[k] = v
	}
	st, loc, err := p.post("/cases/new", "/cases", full)
	if err != nil {
		return "", err
	}
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/cases/") {
		return "", fmt.Errorf("register: status %d → %q (a duplicate or an invalid form?)", st, loc)
	}
	return loc, nil
}

// edit saves an edit of a case made from the current version of its edit form.
func (p *portal) edit(casePath string, change func(url.Values)) error {
	resp, err := p.c.Get(baseURL + casePath + "/edit")
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := formValues(string(body))
	if form.Get("version") == "" {
		return fmt.Errorf("GET %s/edit: %d, no version in the form", casePath, resp.StatusCode)
	}
	change(form)
	st, loc, err := p.post(casePath+"/edit", casePath, form)
	if err != nil {
		return err
	}
	if st != http.StatusSeeOther || loc != casePath {
		return fmt.Errorf("edit %s: status %d → %q", casePath, st, loc)
	}
	return nil
}

// formValues reads back the values of the case form's inputs, selects and textarea,
// from the HTML (enough for the case form: no nested quotes in its values).
func formValues(html string) url.Values {
	v := url.Values{}
	for _, m := range regexp.MustCompile(`<input[^>]*>`).FindAllString(html, -1) {
		name, value := attrOf(m, "name"), attrOf(m, "value")
		typ := attrOf(m, "type")
		if name == "" || name == "_csrf" {
			continue
		}
		if (typ == "checkbox" || typ == "radio") && !strings.Contains(m, " checked") {
			continue
		}
		v.Add(name, value)
	}
	for _, m := range regexp.MustCompile(`(?s)<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>`).FindAllStringSubmatch(html, -1) {
		if o := regexp.MustCompile(`<option value="([^"]*)" selected`).FindStringSubmatch(m[2]); o != nil {
			v.Set(m[1], unescape(o[1]))
		}
	}
	for _, m := range regexp.MustCompile(`(?s)<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>`).FindAllStringSubmatch(html, -1) {
		v.Set(m[1], unescape(m[2]))
	}
	return v
}

func attrOf(tag, name string) string {
	m := regexp.MustCompile(`\s` + name + `="([^"]*)"`).FindStringSubmatch(tag)
	if m == nil {
		return ""
	}
	return unescape(m[1])
}

func unescape(s string) string {
	r := strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`)
	return r.Replace(s)
}

// seedFixtures registers the fixture case; TestMain calls it once the server runs.
func seedFixtures() error {
	p, err := signIn("caseworker")
	if err != nil {
		return err
	}
	path, err := p.register(fixtureForm())
	if err != nil {
		return err
	}
	if path != fixtureCase {
		return fmt.Errorf("the fixture case is %s, not %s", path, fixtureCase)
	}
	// The fixture session, attended by the fixture case, and support planned for it
	// (in the supervisor's queue, and counted by the summary).
	st, loc, err := p.post("/sessions/new", "/sessions", url.Values{"kind": {"info_session"},
		"title": {"Séance d'information sur le retour"}, "date": {daysAgo(3)}, "place": {"Bureau de Rabat"},
		"facilitator": {"Salma Benali"}})
	if err != nil {
		return err
	}
	if st != http.StatusSeeOther || loc != fixtureSession {
		return fmt.Errorf("the fixture session: %d → %q, want %s", st, loc, fixtureSession)
	}
	if st, _, err = p.post(fixtureSession, fixtureSession+"/attendance", url.Values{"case_number": {fixtureNumber()}}); err != nil || st != http.StatusSeeOther {
		return fmt.Errorf("the fixture attendance: %d %v", st, err)
	}
	for _, sp := range []url.Values{
		{"type": {"micro_project"}, "description": {"Petit commerce de tissus à Conakry"}, "amount": {"12000"}, "currency": {"MAD"}, "date": {daysAgo(2)}},
		{"type": {"cash"}, "description": {"Aide en espèces à l'arrivée"}, "amount": {"1500,50"}, "currency": {"MAD"}, "date": {daysAgo(2)}},
	} {
		if st, loc, err = p.post(fixtureCase, fixtureCase+"/support", sp); err != nil || st != http.StatusSeeOther {
			return fmt.Errorf("the fixture support %s: %d → %q %v", sp.Get("type"), st, loc, err)
		}
	}
	if err := fixtureDocuments(p); err != nil {
		return err
	}
	if err := fixtureVisit(p); err != nil {
		return err
	}
	return returnedFixture()
}

// fixtureVisit is the fixture case's baseline visit (the first visit recorded, so
// fixtureVisitEdit is its correction form), every question answered with its first
// answer but water access, not known.
func fixtureVisit(p *portal) error {
	ins, err := models.ParseInstrument(models.DefaultInstrumentJSON())
	if err != nil {
		return err
	}
	form := url.Values{"kind": {"baseline"}, "date": {daysAgo(1)}, "method": {"in_person"}, "interviewer": {"Salma Benali"},
		"notes": {"Entretien au bureau de Rabat avant le départ."}}
	for _, q := range ins.Questions() {
		form.Set(q.Field(), q.Options[0].Code)
	}
	form.Set("q_water_access", models.AnswerDontKnow)
	st, loc, err := p.post(fixtureCase+"/visits/new", fixtureCase+"/visits", form)
	if err != nil || st != http.StatusSeeOther {
		return fmt.Errorf("the fixture visit: %d → %q %v", st, loc, err)
	}
	return nil
}

// fixtureVisitEdit is the correction form of the fixture case's baseline visit.
const fixtureVisitEdit = fixtureCase + "/visits/1/edit"

var versionRE = regexp.MustCompile(`name="version" value="(\d+)"`)

// returnedFixture registers a second case and takes it to returned (counselled by the
// caseworker, approved by the supervisor, departed this week), so that the summary's
// returns (per month, nationality, sex, age) have data for the checks and screenshots.
func returnedFixture() error {
	cw, err := signIn("caseworker")
	if err != nil {
		return err
	}
	form := fixtureForm()
	for k, v := range map[string]string{"family_name": "Diallo", "given_name": "Oumar", "sex": "M", "birth_date": "1999-07-21",
		"nationality": "SN", "return_country": "SN", "phone": "+212 6 70 11 22 33", "id_doc_number": "A1234567"} {
		form.Set(k, v)
	}
	for _, k := range []string{"name", "relation", "sex", "birth_date"} {
		form.Del("household[1]." + k)
	}
	path, err := cw.register(form)
	if err != nil {
		return err
	}
	sup, err := signIn("supervisor")
	if err != nil {
		return err
	}
	for _, step := range []struct {
		p    *portal
		to   string
		more url.Values
	}{
		{cw, "counselled", nil},
		{sup, "approved", nil},
		{cw, "returned", url.Values{"departure_date": {daysAgo(1)}, "escort": {"none"}}},
	} {
		_, body, err := step.p.getBody(path)
		if err != nil {
			return err
		}
		m := versionRE.FindStringSubmatch(body)
		if m == nil {
			return fmt.Errorf("%s: no version to move it to %s", path, step.to)
		}
		f := url.Values{"to": {step.to}, "version": {m[1]}}
		for k, v := range step.more {
			f[k] = v
		}
		st, loc, err := step.p.post(path, path+"/status", f)
		if err != nil || st != http.StatusSeeOther || loc != path {
			return fmt.Errorf("move %s to %s: %d → %q %v", path, step.to, st, loc, err)
		}
	}
	return nil
}

// fixtureSession is the session TestMain creates, attended by the fixture case.
const fixtureSession = "/sessions/1"

// fixtureNumber is the fixture case's number: the first of RAB this year.
func fixtureNumber() string { return "RAB-" + time.Now().Format("2006") + "-00001" }

// newCase registers a case for a test through HTTP and returns its path.
func newCase(t testing.TB, who string, form url.Values) string {
	t.Helper()
	p, err := signIn(who)
	if err != nil {
		t.Fatal(err)
	}
	path, err := p.register(form)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// setDate sets a date input (by label or name) to an ISO date, as a date picker would.
func (b *tab) setDate(labelOrName, iso string) {
	b.t.Helper()
	id := b.controlID(labelOrName)
	arg, _ := json.Marshal([]string{id, iso})
	b.do(chromedpEval(`(function ([id, v]) {
		const el = document.getElementById(id);
		el.value = v;
		el.dispatchEvent(new Event('input', {bubbles: true}));
		el.dispatchEvent(new Event('change', {bubbles: true}));
	})(` + string(arg) + `)`))
	if got := b.value(labelOrName); got != iso {
		b.t.Fatalf("%s: date %q, want %q", labelOrName, got, iso)
	}
}

// checked reports whether the checkbox with this name and value is ticked.
func (b *tab) checked(name, value string) bool {
	b.t.Helper()
	return eval[bool](b, fmt.Sprintf(`(document.querySelector('input[name=%q][value=%q]')||{}).checked === true`, name, value))
}

// selectedText is the text of the option chosen in a select (by label or name).
func (b *tab) selectedText(labelOrName string) string {
	b.t.Helper()
	id := b.controlID(labelOrName)
	return eval[string](b, `(function (el) { return el.selectedIndex < 0 ? '' : el.options[el.selectedIndex].textContent.trim(); })(document.getElementById(`+strconv.Quote(id)+`))`)
}

// fieldError describes how a control's error is tied to it.
type fieldError struct {
	Invalid, Message, ErrorID string
	Beside                    bool // the message follows the control in the same container
}

// errorOf reads the accessible error of a control (by its name).
func (b *tab) errorOf(name string) fieldError {
	b.t.Helper()
	return eval[fieldError](b, `(function (name) {
		const el = document.querySelector('[name="' + CSS.escape(name) + '"]');
		if (!el) return {};
		const ids = (el.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
		const errEl = ids.map(id => document.getElementById(id)).find(e => e && e.classList.contains('field-error'));
		return {Invalid: el.getAttribute('aria-invalid') || '', Message: errEl ? errEl.textContent.trim() : '',
			ErrorID: errEl ? errEl.id : '',
			Beside: !!errEl && errEl.parentElement === el.parentElement && !!(el.compareDocumentPosition(errEl) & Node.DOCUMENT_POSITION_FOLLOWING)};
	})(`+strconv.Quote(name)+`)`)
}

// shiftTab presses Shift+Tab and describes the element focused then.
func (b *tab) shiftTab() focus {
	b.t.Helper()
	b.do(chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
	return b.focused()
}

// press presses keys (kb constants or text) on the focused element.
func (b *tab) press(keys string) {
	b.t.Helper()
	b.do(chromedp.KeyEvent(keys))
}

// pressSubmit presses a key that submits a form (Enter on a button) and returns the
// status of the page that answers.
func (b *tab) pressSubmit(key string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.KeyEvent(key))
	if err != nil {
		b.t.Fatalf("press %q: %v", key, err)
	}
	return resp.Status
}
