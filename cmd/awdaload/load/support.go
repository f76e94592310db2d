package load

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"awda/models"
)

// The support scenarios: a caseworker or supervisor plans support on a case file, and a
// supervisor approves planned support from the approvals queue, never their own.

var queueIDRe = regexp.MustCompile(`name="support_id" value="(\d+)"`)

// What caseworkers write when they plan support, by type.
var supportPhrases = map[models.SupportType][]string{
	models.MicroProject: {"Petit commerce de tissus au marché", "Atelier de couture : machine et tissus", "مشروع صغير لبيع الخضر"},
	models.Cash:         {"Allocation d'installation du premier mois", "Aide au loyer à l'arrivée"},
	models.Medical:      {"Suivi médical et médicaments pour trois mois", "علاج وأدوية"},
	models.Training:     {"Formation en électricité du bâtiment", "Formation en coiffure, six semaines"},
}

// supportAmount is an amount as a caseworker types it in one of a few currencies
// (grouped thousands, a decimal comma) and its value in minor units.
func supportAmount(s *Session) (typed, currency string, minor int64) {
	switch n := s.Rand.IntN(10); {
	case n < 7:
		currency = "MAD"
	case n < 9:
		currency = "EUR"
	default:
		// No decimals: 150 000 is a hundred and fifty thousand francs.
		major := 10 + s.Rand.IntN(490)
		return fmt.Sprintf("%d 000", major), "XOF", int64(major) * 1000
	}
	major, cents := 100+s.Rand.IntN(19_900), 0
	if s.Rand.IntN(4) == 0 {
		cents = 50
	}
	typed = strconv.Itoa(major)
	if major >= 1000 && s.Rand.IntN(2) == 0 {
		typed = fmt.Sprintf("%d %03d", major/1000, major%1000)
	}
	if cents > 0 {
		typed += fmt.Sprintf(",%02d", cents)
	}
	return typed, currency, int64(major)*100 + int64(cents)
}

// PlanSupport opens a case file that is not closed and plans support on it. The
// redirect to the case file's support section acknowledges it; the plan must then be in
// the database exactly once, on that case, for that amount, planned by this user.
func PlanSupport(ctx context.Context, s *Session) error {
	id, ok, err := s.caseToPlan(ctx)
	if err != nil || !ok {
		return err
	}
	typ := models.SupportTypes[s.Rand.IntN(len(models.SupportTypes))]
	phrases := supportPhrases[typ]
	desc := phrases[s.Rand.IntN(len(phrases))] + " — " + s.token("LS")
	typed, currency, minor := supportAmount(s)
	form := url.Values{"type": {string(typ)}, "description": {desc}, "amount": {typed}, "currency": {currency},
		"date": {time.Now().UTC().Format("2006-01-02")}}
	if s.Rand.IntN(3) == 0 {
		form.Set("funded_by_office", "1")
	}
	value := fmt.Sprintf("%d|%d|%s|%s", id, minor, currency, desc)
	return s.Write("support", value, func() error {
		_, err := s.PostRedirect(ctx, "POST /cases/:id/support", fmt.Sprintf("/cases/%d/support", id), form,
			fmt.Sprintf("/cases/%d#support", id))
		return err
	})
}

// caseToPlan opens a case file that offers the support form (not closed): one of the
// user's own registrations or one from the case list, a few tries at most.
func (s *Session) caseToPlan(ctx context.Context) (uint, bool, error) {
	for range 3 {
		var id uint
		if len(s.Own) > 0 && s.Rand.IntN(2) == 0 {
			id = s.Own[s.Rand.IntN(len(s.Own))]
		} else {
			r, err := s.Get(ctx, "GET /cases", "/cases", http.StatusOK)
			if err != nil {
				return 0, false, err
			}
			links := caseLinkRe.FindAllStringSubmatch(r.Body, -1)
			if len(links) == 0 {
				return 0, false, nil
			}
			n, _ := strconv.ParseUint(links[s.Rand.IntN(len(links))][1], 10, 64)
			id = uint(n)
		}
		r, err := s.Get(ctx, "GET /cases/:id", fmt.Sprintf("/cases/%d", id), http.StatusOK)
		if err != nil {
			return 0, false, err
		}
		if strings.Contains(r.Body, `data-testid="support-form"`) {
			return id, true, nil
		}
	}
	return 0, false, nil
}

// ApproveSupport is a supervisor at the approvals queue: the lines they may approve
// have a checkbox (their own plans have none: four eyes); they tick one to three and
// approve them at once. The queue then shows a message: approved, or refused because
// another supervisor approved one of them first, which is the portal doing its job and
// not acknowledged. An empty queue is just a read.
func ApproveSupport(ctx context.Context, s *Session) error {
	r, err := s.Get(ctx, "GET /approvals", "/approvals", http.StatusOK)
	if err != nil {
		return err
	}
	ids := queueIDs(r.Body)
	if len(ids) == 0 {
		return nil
	}
	// The browser sends the ticked lines in the page's order.
	keep := s.Rand.Perm(len(ids))[:min(len(ids), 1+s.Rand.IntN(3))]
	slices.Sort(keep)
	var pick []string
	for _, i := range keep {
		pick = append(pick, ids[i])
	}
	err = s.Write("support-approval", strings.Join(pick, ","), func() error {
		if _, err := s.PostRedirect(ctx, "POST /approvals", "/approvals", url.Values{"support_id": pick}, "/approvals"); err != nil {
			return err
		}
		r, err := s.Get(ctx, "GET /approvals", "/approvals", http.StatusOK)
		if err != nil {
			return err
		}
		if strings.Contains(r.Body, `data-testid="flash-success"`) {
			return nil
		}
		still := queueIDs(r.Body)
		if strings.Contains(r.Body, `data-testid="flash-error"`) && slices.ContainsFunc(pick, func(id string) bool { return !slices.Contains(still, id) }) {
			return errConflict
		}
		err = fmt.Errorf("approving support %s was refused, and the queue still offers all of it", strings.Join(pick, ","))
		s.Fail("POST /approvals", err)
		return err
	})
	if errors.Is(err, errConflict) {
		return nil
	}
	return err
}

// queueIDs are the support the approvals page offers to approve.
func queueIDs(body string) []string {
	var ids []string
	for _, m := range queueIDRe.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}
