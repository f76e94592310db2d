package load

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The case scenarios: search, open a case file, register a case, move one along the
// workflow, approve as a supervisor.

var (
	caseLinkRe = regexp.MustCompile(`href="/cases/(\d+)"`)
	caseIDRe   = regexp.MustCompile(`^/cases/(\d+)$`)
	stepRe     = regexp.MustCompile(`name="to" value="([a-z_]+)"`)
	versionRe  = regexp.MustCompile(`name="version" value="(\d+)"`)
)

// Names the load registers and searches for, in the scripts caseworkers type.
var (
	loadFamilies = []string{"Diallo", "Koné", "Traoré", "Camara", "Sow", "Bah", "Ndiaye", "Keïta", "الزهراء", "بنعلي", "Ouédraogo", "Sylla"}
	loadGiven    = []string{"Aïcha", "Mohamed", "Fatoumata", "Ousmane", "Mamadou", "Awa", "Mariam", "Youssef", "فاطمة", "Kadiatou"}
	loadNats     = []string{"GN", "CI", "SN", "ML", "CM", "NG", "BF"}
)

// SearchCases searches the case list by a name, or by the start of a case number.
func SearchCases(ctx context.Context, s *Session) error {
	q := loadFamilies[s.Rand.IntN(len(loadFamilies))]
	if s.Rand.IntN(4) == 0 {
		q = fmt.Sprintf("%d-000%d", time.Now().Year(), s.Rand.IntN(10))
	}
	_, err := s.Get(ctx, "GET /cases?q=", "/cases?q="+url.QueryEscape(q), http.StatusOK)
	return err
}

// OpenCase opens the case list, then one of its case files.
func OpenCase(ctx context.Context, s *Session) error {
	r, err := s.Get(ctx, "GET /cases", "/cases", http.StatusOK)
	if err != nil {
		return err
	}
	links := caseLinkRe.FindAllStringSubmatch(r.Body, -1)
	if len(links) == 0 {
		return nil
	}
	_, err = s.Get(ctx, "GET /cases/:id", "/cases/"+links[s.Rand.IntN(len(links))][1], http.StatusOK)
	return err
}

// CaseForm is a complete registration; marker (the identity document number) makes it
// findable in the database afterwards.
func CaseForm(s *Session, marker string) url.Values {
	today := time.Now().UTC()
	nat := loadNats[s.Rand.IntN(len(loadNats))]
	return url.Values{
		"direction": {"outbound"}, "family_name": {loadFamilies[s.Rand.IntN(len(loadFamilies))]},
		"given_name": {loadGiven[s.Rand.IntN(len(loadGiven))]}, "sex": {[]string{"F", "M"}[s.Rand.IntN(2)]},
		"birth_date":  {fmt.Sprintf("%d-%02d-%02d", 1970+s.Rand.IntN(35), 1+s.Rand.IntN(12), 1+s.Rand.IntN(28))},
		"nationality": {nat}, "return_country": {nat}, "phone": {fmt.Sprintf("+212 6 %08d", s.Rand.IntN(100_000_000))},
		"languages": {"français"}, "id_doc_type": {"passport"}, "id_doc_number": {marker},
		"vulnerabilities": {"medical_condition"},
		"consent_date":    {today.AddDate(0, 0, -3).Format("2006-01-02")}, "consent_share": {"1"},
		"request_date": {today.AddDate(0, 0, -5).Format("2006-01-02")}, "request_reason": {"lack_of_resources"},
		"notes": {"Registered by the load tool."},
		// The names repeat on purpose: this person was checked against the possible
		// duplicates and is someone else.
		"confirm_different": {"1"},
	}
}

// RegisterCase fetches the registration form, then registers a case: acknowledged by
// a redirect to the new case file, which must then be in the database exactly once.
func RegisterCase(ctx context.Context, s *Session) error {
	if _, err := s.Get(ctx, "GET /cases/new", "/cases/new", http.StatusOK); err != nil {
		return err
	}
	marker := s.token("LD")
	var id uint
	err := s.Write("case", marker, func() error {
		r, err := s.Post(ctx, "POST /cases", "/cases", CaseForm(s, marker), http.StatusSeeOther)
		if err != nil {
			return err
		}
		m := caseIDRe.FindStringSubmatch(r.Location)
		if m == nil {
			err := &ErrStatus{Path: "/cases", Got: r.Status, Want: http.StatusSeeOther, Location: r.Location, WantLocation: "/cases/:id"}
			s.Fail("POST /cases", err)
			return err
		}
		n, _ := strconv.ParseUint(m[1], 10, 64)
		id = uint(n)
		return nil
	})
	if err == nil {
		s.Own = append(s.Own, id)
	}
	return err
}

// MoveCase opens one of the user's own cases and moves it one step along the workflow
// (counselled, returned with its departure date, reintegration); a case that has no
// step left for this role is dropped from the user's list.
func MoveCase(ctx context.Context, s *Session) error {
	for len(s.Own) > 0 {
		i := s.Rand.IntN(len(s.Own))
		id := s.Own[i]
		r, err := s.Get(ctx, "GET /cases/:id", fmt.Sprintf("/cases/%d", id), http.StatusOK)
		if err != nil {
			return err
		}
		to, version := nextStep(r.Body)
		if to == "" {
			s.Own = append(s.Own[:i], s.Own[i+1:]...)
			continue
		}
		return s.move(ctx, id, to, version)
	}
	return RegisterCase(ctx, s)
}

// ApproveCase is a supervisor approving a counselled case of the office. Two
// supervisors may pick the same case: the second is refused (409 or 422: moved
// meanwhile), which is the portal doing its job, not an error.
func ApproveCase(ctx context.Context, s *Session) error {
	r, err := s.Get(ctx, "GET /cases?status=", "/cases?status=counselled", http.StatusOK)
	if err != nil {
		return err
	}
	links := caseLinkRe.FindAllStringSubmatch(r.Body, -1)
	if len(links) == 0 {
		return nil
	}
	id, _ := strconv.ParseUint(links[s.Rand.IntN(len(links))][1], 10, 64)
	r, err = s.Get(ctx, "GET /cases/:id", fmt.Sprintf("/cases/%d", id), http.StatusOK)
	if err != nil {
		return err
	}
	if !strings.Contains(r.Body, `name="to" value="approved"`) {
		return nil
	}
	_, version := nextStep(r.Body)
	return s.move(ctx, uint(id), "approved", version)
}

// nextStep reads the case file's first step form other than closing or reopening.
func nextStep(body string) (to, version string) {
	v := versionRe.FindStringSubmatch(body)
	if v == nil {
		return "", ""
	}
	for _, m := range stepRe.FindAllStringSubmatch(body, -1) {
		if m[1] != "closed" && m[1] != "reopen" {
			return m[1], v[1]
		}
	}
	return "", ""
}

// move posts one workflow step; the write is the status change, checked afterwards.
func (s *Session) move(ctx context.Context, id uint, to, version string) error {
	form := url.Values{"to": {to}, "version": {version}, "note": {"load"}}
	if to == "returned" {
		form.Set("departure_date", time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02"))
	}
	path := fmt.Sprintf("/cases/%d/status", id)
	return s.Write("move", fmt.Sprintf("%d:%s", id, to), func() error {
		start := time.Now()
		r, err := s.C.Post(ctx, path, form)
		// Another supervisor approved it between the page and the form: 409 (version)
		// or 422 (approved is no longer a step from its status).
		if err == nil && (r.Status == http.StatusConflict || r.Status == http.StatusUnprocessableEntity) && to == "approved" {
			s.run.observe("POST /cases/:id/status", time.Since(start), nil)
			return errConflict
		}
		r, err = Expect(r, err, path, http.StatusSeeOther)
		if err == nil || !isCancel(ctx, err) {
			s.run.observe("POST /cases/:id/status", time.Since(start), err)
		}
		return err
	})
}

// errConflict is a move someone else made first: not acknowledged, not an error.
var errConflict = fmt.Errorf("moved by someone else meanwhile")
