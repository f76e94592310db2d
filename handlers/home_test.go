package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"awda/models"
	"awda/views"
)

// TestHomeListsTheLongestWaitingFirstWithUnits: the waiting cases come most overdue
// first, and every figure carries its unit, in each language.
func TestHomeListsTheLongestWaitingFirstWithUnits(t *testing.T) {
	app := newTestApp(t)
	c, u := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	var ids []uint
	for i, gap := range []time.Duration{0, 2, 3} {
		app.clock.Advance(gap * 24 * time.Hour)
		c.login("cw@example.org", testPassword)
		f := caseForm("Sow", fmt.Sprintf("Awa %d", i))
		f.Set("assigned_to", fmt.Sprint(u.ID))
		ids = append(ids, register(t, c, f))
	}
	app.clock.Advance(20 * 24 * time.Hour)
	c.login("cw@example.org", testPassword)
	for lang, want := range map[string][]string{
		"fr": {"25 j", "23 j", "20 j", "3 dossiers"},
		"en": {"25 days", "23 days", "20 days", "3 cases"},
		"ar": {"٢٥ يومًا", "٢٣ يومًا", "٢٠ يومًا", "٣ ملفات"},
	} {
		t.Run(lang, func(t *testing.T) {
			if err := app.stores.Users.SetLanguage(t.Context(), u.ID, lang); err != nil {
				t.Fatal(err)
			}
			c.login("cw@example.org", testPassword)
			p := c.get(views.PathHome)
			wantStatus(t, p, http.StatusOK)
			rows := p.Doc.Find(`[data-testid="waiting-case"]`)
			if rows.Length() != 3 {
				t.Fatalf("%d waiting cases, want 3", rows.Length())
			}
			for i := range 3 {
				row := rows.Eq(i)
				if href, _ := row.Find("a").Attr("href"); href != views.CasePath(ids[i]) {
					t.Errorf("waiting case %d is %s, want the longest waiting first (%s)", i, href, views.CasePath(ids[i]))
				}
				if got := numbers.Replace(row.Find(".badge").Text()); got != want[i] && !digitsMatch(got, want[i]) {
					t.Errorf("waiting case %d shows %q, want %q", i, got, want[i])
				}
			}
			if got := numbers.Replace(p.text(`[data-testid="stage-registered"] .badge`)); got != want[3] && !digitsMatch(got, want[3]) {
				t.Errorf("registered stage shows %q, want %q", got, want[3])
			}
			p.Doc.Find(`.badge`).Each(func(_ int, b *goquery.Selection) {
				if strings.TrimFunc(b.Text(), func(r rune) bool { return r >= '0' && r <= '9' || r == ' ' || r == '\u202f' || r == '\u00a0' }) == "" {
					t.Errorf("a figure without its unit: %q", b.Text())
				}
			})
		})
	}
}

// digitsMatch accepts the Western digits where the expected text has Arabic-Indic
// ones (the number format of Arabic pages may use either).
func digitsMatch(got, want string) bool {
	return got == strings.Map(func(r rune) rune {
		if r >= '٠' && r <= '٩' {
			return '0' + (r - '٠')
		}
		return r
	}, want)
}

// TestSupervisorHomeOrdersTheQueueMostOverdueFirst: a supervisor's approvals block
// starts with the referrals already overdue, then the support waiting.
func TestSupervisorHomeOrdersTheQueueMostOverdueFirst(t *testing.T) {
	app := newTestApp(t)
	sup, supUser := app.signedIn("sup@example.org", models.RoleSupervisor, "RAB")
	cwUser := app.user("cw@example.org", models.RoleCaseworker, "RAB")
	cs := app.insertCase("RAB", cwUser, models.StatusReturned, true)
	app.plan(cwUser, cs, "100")
	if _, err := app.stores.Referrals.Create(t.Context(), models.Actor{User: cwUser}, cwUser.Scope(), cs.ID,
		models.ReferralInput{Partner: "health", Purpose: "care", Date: "2020-12-01"}); err != nil {
		t.Fatal(err)
	}
	_ = supUser
	p := sup.get(views.PathHome)
	wantStatus(t, p, http.StatusOK)
	var order []string
	p.Doc.Find(`[data-testid="home-approvals"] li`).Each(func(_ int, li *goquery.Selection) {
		id, _ := li.Attr("data-testid")
		order = append(order, id+" "+numbers.Replace(li.Find(".badge").Text()))
	})
	if got := strings.Join(order, ", "); got != "home-referrals-overdue 1 orientation, home-support-waiting 1 aide" {
		t.Errorf("approvals block: %s", got)
	}
	if th := p.text(`[data-testid="home-year-this"]`); !strings.Contains(th, fmt.Sprint(testStart.Year())) {
		t.Errorf("this year's column %q", th)
	}
}
