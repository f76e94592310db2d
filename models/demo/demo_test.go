package demo_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"awda/handlers/handlerstest"
	"awda/models"
	"awda/models/dbtest"
	"awda/models/demo"
)

func count(t *testing.T, db *models.DB, query string, args ...any) int {
	t.Helper()
	var n int64
	if err := db.Read.Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return int(n)
}

// largestRemainder gives whole shares adding up to 100, ties in the listed order.
func largestRemainder(counts []int) []int {
	total := 0
	for _, c := range counts {
		total += c
	}
	out := make([]int, len(counts))
	given := 0
	rem := make([]int, len(counts))
	for i, c := range counts {
		out[i] = c * 100 / total
		rem[i] = c * 100 % total
		given += out[i]
	}
	for given < 100 {
		best := 0
		for i := range rem {
			if rem[i] > rem[best] {
				best = i
			}
		}
		out[best]++
		rem[best] = -1
		given++
	}
	return out
}

// TestDemo2021 loads the demo dataset at scale 1 once and checks the report's figures
// by the summary's definitions, the accounts, the dates and the realism around them.
func TestDemo2021(t *testing.T) {
	ctx := context.Background()
	db := dbtest.OpenForBulkLoad(t)
	var out strings.Builder
	started := time.Now()
	accounts, err := demo.Load(ctx, db, demo.Options{Year: 2021, Scale: 1, Argon: dbtest.CheapArgon}, &out)
	if err != nil {
		t.Fatalf("load: %v\n%s", err, out.String())
	}
	t.Logf("loaded on %s in %s", dbtest.Backend(), time.Since(started).Round(time.Millisecond))
	from, to := "2021-01-01", "2021-12-31"

	checkReportFigures(t, db)
	checkMonitoring(t, db)

	t.Run("cancelled support is not counted", func(t *testing.T) {
		// Cancelled records exist and would change the figures if they were counted.
		if n := count(t, db, `SELECT COUNT(*) FROM supports WHERE status = 'cancelled'`); n == 0 {
			t.Error("no cancelled support")
		}
		withCancelled := count(t, db, `SELECT COUNT(DISTINCT s.case_id) FROM supports s JOIN cases c ON c.id = s.case_id
			WHERE c.direction = 'outbound' AND s.funded_by_office AND s.date BETWEEN ? AND ?`, from, to)
		if withCancelled <= 156 {
			t.Errorf("counting cancelled support gives %d funded people: the dataset does not exercise the rule", withCancelled)
		}
		// Every returnee, outbound and inbound, was supported.
		unsupported := count(t, db, `SELECT COUNT(*) FROM cases c WHERE (c.departure_date IS NOT NULL OR c.direction = 'inbound')
			AND NOT EXISTS (SELECT 1 FROM supports s WHERE s.case_id = c.id AND s.status <> 'cancelled')`)
		if unsupported != 0 {
			t.Errorf("%d returnees without support", unsupported)
		}
	})

	t.Run("nothing dated outside the year", func(t *testing.T) {
		for _, col := range []string{"cases.consent_date", "cases.request_date", "cases.departure_date", "cases.arrival_date",
			"status_changes.date", "supports.date", "supports.delivered_on", "group_sessions.date", "activities.date", "referrals.date_sent"} {
			table, _, _ := strings.Cut(col, ".")
			if n := count(t, db, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE %s < ? OR %s > ?", table, col, col), from, to); n != 0 {
				t.Errorf("%d rows with %s outside 2021", n, col)
			}
		}
		start, end := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, col := range []string{"cases.created_at", "cases.updated_at", "status_changes.created_at", "supports.created_at",
			"supports.updated_at", "supports.approved_at", "group_sessions.created_at", "session_attendances.created_at",
			"activities.created_at", "referrals.created_at", "referrals.updated_at", "audit_events.at"} {
			table, _, _ := strings.Cut(col, ".")
			if n := count(t, db, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE %s < ? OR %s >= ?", table, col, col), start, end); n != 0 {
				t.Errorf("%d rows with %s outside 2021", n, col)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM cases WHERE case_number NOT LIKE '___-2021-%'`); n != 0 {
			t.Errorf("%d case numbers not of 2021", n)
		}
	})

	t.Run("every account signs in without a forced change", func(t *testing.T) {
		st := models.NewStores(db, time.Now, dbtest.CheapArgon)
		if len(accounts) != 12 {
			t.Fatalf("%d accounts, want 12", len(accounts))
		}
		for _, email := range []string{"caseworker.rab@awda.local", "caseworker.laa@awda.local", "supervisor@awda.local", "supervisor.ouj@awda.local", "admin@awda.local"} {
			if _, ok := accounts.Find(email); !ok {
				t.Errorf("no account %s", email)
			}
		}
		for _, a := range accounts {
			u, err := st.Users.SignIn(ctx, a.Email, a.Password, "192.0.2.1")
			if err != nil {
				t.Errorf("sign in %s: %v", a.Email, err)
				continue
			}
			if u.MustChangePassword || u.Role != a.Role {
				t.Errorf("%s: must change %v, role %s", a.Email, u.MustChangePassword, u.Role)
			}
			if (u.OfficeID != nil) != (a.OfficeCode != "") {
				t.Errorf("%s: office %v, want %q", a.Email, u.OfficeID, a.OfficeCode)
			}
			if !strings.Contains(out.String(), a.Email) || !strings.Contains(out.String(), a.Password) {
				t.Errorf("%s and its password are not printed", a.Email)
			}
		}
	})

	t.Run("realistic around the figures", func(t *testing.T) {
		atLeast := func(name, query string, min int, args ...any) {
			t.Helper()
			if n := count(t, db, query, args...); n < min {
				t.Errorf("%s: %d, want at least %d", name, n, min)
			}
		}
		atLeast("offices", `SELECT COUNT(*) FROM offices`, 9)
		for _, st := range []string{"registered", "counselled", "approved", "returned", "reintegration"} {
			atLeast("cases "+st, `SELECT COUNT(*) FROM cases WHERE status = ?`, 20, st)
		}
		for _, r := range []string{"withdrawn", "reintegration_completed"} {
			atLeast("closed "+r, `SELECT COUNT(*) FROM cases WHERE status = 'closed' AND closure_reason = ?`, 20, r)
		}
		atLeast("inbound Moroccans", `SELECT COUNT(*) FROM cases WHERE direction = 'inbound' AND nationality = 'MA' AND return_country = 'MA'`, 216)
		if n := count(t, db, `SELECT COUNT(*) FROM cases WHERE direction = 'outbound' AND (return_country <> nationality OR nationality = 'MA')`); n != 0 {
			t.Errorf("%d outbound cases not returning to their own country", n)
		}
		atLeast("nationalities", `SELECT COUNT(DISTINCT nationality) FROM cases`, 15)
		atLeast("women", `SELECT COUNT(*) FROM cases WHERE sex = 'F'`, 500)
		atLeast("unaccompanied children", `SELECT COUNT(*) FROM case_vulnerabilities WHERE code = 'unaccompanied_child'`, 30)
		atLeast("age estimates", `SELECT COUNT(*) FROM cases WHERE age_estimate IS NOT NULL`, 100)
		atLeast("household members", `SELECT COUNT(*) FROM household_members`, 200)
		atLeast("medical escorts", `SELECT COUNT(*) FROM cases WHERE escort = 'medical_escort'`, 5)
		atLeast("Arabic names", `SELECT COUNT(*) FROM cases WHERE given_name LIKE ?`, 20, "%م%")
		atLeast("accented names", `SELECT COUNT(*) FROM cases WHERE family_name LIKE ? OR given_name LIKE ?`, 20, "%é%", "%é%")
		lack := count(t, db, `SELECT COUNT(*) FROM cases WHERE request_reason = 'lack_of_resources'`)
		all := count(t, db, `SELECT COUNT(*) FROM cases`)
		if share := 100 * lack / all; share < 57 || share > 65 {
			t.Errorf("lack of resources is %d %% of the requests, want about 61", share)
		}
		for _, p := range []string{"ANAPEC", "OFPPT", "health"} {
			atLeast("completed referrals to "+p, `SELECT COUNT(*) FROM referrals WHERE partner = ? AND status = 'completed' AND outcome <> '' AND satisfaction IS NOT NULL`, 3, p)
		}
		for _, k := range []string{"counselling", "psychosocial", "monitoring"} {
			atLeast("activities "+k, `SELECT COUNT(*) FROM activities WHERE kind = ?`, 50, k)
		}
		for _, c := range []string{"MAD", "EUR", "USD", "XOF"} {
			atLeast("support in "+c, `SELECT COUNT(*) FROM supports WHERE currency = ?`, 50, c)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM supports s JOIN cases c ON c.id = s.case_id WHERE c.direction = 'inbound' AND s.currency <> 'MAD'`); n != 0 {
			t.Errorf("%d inbound support records not in MAD", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM supports WHERE funded_by_office AND currency <> 'MAD'`); n != 0 {
			t.Errorf("%d office-funded records not in MAD", n)
		}
		for _, st := range []string{"planned", "approved", "delivered"} {
			atLeast("support "+st, `SELECT COUNT(*) FROM supports WHERE status = ?`, 50, st)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM supports WHERE approved_by_id = planned_by_id`); n != 0 {
			t.Errorf("%d support records approved by their planner", n)
		}
		sessions := count(t, db, `SELECT COUNT(*) FROM group_sessions WHERE kind = 'info_session'`)
		trainings := count(t, db, `SELECT COUNT(*) FROM group_sessions WHERE kind = 'training'`)
		if sessions < 100 || sessions > 200 || trainings < 30 || trainings > 80 {
			t.Errorf("%d information sessions and %d trainings", sessions, trainings)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM (SELECT session_id FROM session_attendances GROUP BY session_id HAVING COUNT(*) < 5 OR COUNT(*) > 25) x`); n != 0 {
			t.Errorf("%d sessions with fewer than 5 or more than 25 attendees", n)
		}
		atLeast("people at two information sessions", `SELECT COUNT(*) FROM (SELECT a.case_id FROM session_attendances a
			JOIN group_sessions g ON g.id = a.session_id WHERE g.kind = 'info_session' GROUP BY a.case_id HAVING COUNT(*) > 1) x`, 20)
		atLeast("informed people not yet returned", `SELECT COUNT(DISTINCT a.case_id) FROM session_attendances a
			JOIN cases c ON c.id = a.case_id WHERE c.status IN ('registered', 'counselled', 'approved')`, 20)
	})

	// The dataset is the same on every run and both databases: this checksum changes
	// only when the generator is changed on purpose (then update it).
	t.Run("deterministic", func(t *testing.T) {
		got, first := datasetChecksum(t, db)
		if got != demoChecksum {
			t.Errorf("dataset checksum %s, want %s (first case %s)", got, demoChecksum, first)
		}
	})

	t.Run("the rendered summary page", func(t *testing.T) {
		checkSummaryPage(t, db, accounts)
	})
}

// checkReportFigures checks the report's 2021 figures and support shares, by the
// summary's definitions, in the database.
func checkReportFigures(t *testing.T, db *models.DB) {
	t.Helper()
	from, to := "2021-01-01", "2021-12-31"
	t.Run("the report's figures", func(t *testing.T) {
		want := demo.Expected(1)
		checks := []struct {
			name  string
			query string
			want  int
		}{
			{"returns", `SELECT COUNT(*) FROM cases WHERE direction = 'outbound' AND departure_date BETWEEN ? AND ?`, want.Returns},
			{"informed", `SELECT COUNT(DISTINCT a.case_id) FROM session_attendances a JOIN group_sessions g ON g.id = a.session_id
				WHERE g.kind = 'info_session' AND g.date BETWEEN ? AND ?`, want.Informed},
			{"trained", `SELECT COUNT(DISTINCT a.case_id) FROM session_attendances a JOIN group_sessions g ON g.id = a.session_id
				WHERE g.kind = 'training' AND g.date BETWEEN ? AND ?`, want.Trained},
			{"funded by the office", `SELECT COUNT(DISTINCT s.case_id) FROM supports s JOIN cases c ON c.id = s.case_id
				WHERE c.direction = 'outbound' AND s.funded_by_office AND s.status <> 'cancelled' AND s.date BETWEEN ? AND ?`, want.FundedByOffice},
			{"inbound supported", `SELECT COUNT(DISTINCT s.case_id) FROM supports s JOIN cases c ON c.id = s.case_id
				WHERE c.direction = 'inbound' AND s.status <> 'cancelled' AND s.date BETWEEN ? AND ?`, want.InboundSupported},
		}
		for _, c := range checks {
			if got := count(t, db, c.query, from, to); got != c.want {
				t.Errorf("%s = %d, want %d", c.name, got, c.want)
			}
		}
		if want.Returns != 2377 || want.Informed != 1925 || want.Trained != 664 || want.FundedByOffice != 156 || want.InboundSupported != 216 {
			t.Errorf("expected figures %+v are not the report's", want)
		}
	})

	t.Run("support by type", func(t *testing.T) {
		var counts []int
		for _, typ := range models.SupportTypes {
			counts = append(counts, count(t, db, `SELECT COUNT(*) FROM supports WHERE type = ? AND status <> 'cancelled' AND date BETWEEN ? AND ?`, typ, from, to))
		}
		if fmt.Sprint(counts) != "[1740 1110 120 30]" {
			t.Errorf("support by type = %v", counts)
		}
		if got := largestRemainder(counts); fmt.Sprint(got) != "[58 37 4 1]" {
			t.Errorf("shares = %v, want [58 37 4 1]", got)
		}
	})
}

// datasetChecksum sums the 2021 cases and their support (the report's dataset), and
// gives the first case for the message.
func datasetChecksum(t *testing.T, db *models.DB) (string, string) {
	t.Helper()
	type row struct {
		CaseNumber, FamilyName, GivenName, Nationality, Status string
		BirthDate, DepartureDate                               models.Date
	}
	var rows []row
	if err := db.Read.Raw(`SELECT case_number, family_name, given_name, nationality, status, birth_date, departure_date
		FROM cases WHERE case_number LIKE '___-2021-%' ORDER BY case_number`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	type srow struct {
		CaseNumber, Type, Currency, Status string
		Amount                             int64
		Date                               models.Date
	}
	var srows []srow
	if err := db.Read.Raw(`SELECT c.case_number, s.type, s.currency, s.status, s.amount, s.date FROM supports s
		JOIN cases c ON c.id = s.case_id WHERE c.case_number LIKE '___-2021-%' ORDER BY c.case_number, s.date, s.type, s.amount, s.status`).Scan(&srows).Error; err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, r := range rows {
		fmt.Fprintln(h, r.CaseNumber, r.FamilyName, r.GivenName, r.Nationality, r.Status, r.BirthDate, r.DepartureDate)
	}
	for _, r := range srows {
		fmt.Fprintln(h, r.CaseNumber, r.Type, r.Currency, r.Status, r.Amount, r.Date)
	}
	if len(rows) == 0 {
		t.Fatal("no 2021 case")
	}
	return fmt.Sprintf("%x", h.Sum(nil))[:16], fmt.Sprintf("%+v", rows[0])
}

// demoChecksum is the checksum of the 2021 dataset at scale 1.
const demoChecksum = "86ef7342ba626da1"

func TestLoadRefusesADatabaseWithUsers(t *testing.T) {
	db := dbtest.Open(t)
	st := models.NewStores(db, time.Now, dbtest.CheapArgon)
	dbtest.MustUser(t, st, "someone@example.org", models.RoleAdmin, "", "correct horse battery staple")
	_, err := demo.Load(context.Background(), db, demo.Options{Argon: dbtest.CheapArgon}, io.Discard)
	if !errors.Is(err, demo.ErrNotEmpty) {
		t.Fatalf("load into a database with users: %v, want ErrNotEmpty", err)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM cases`); n != 0 {
		t.Errorf("%d cases written", n)
	}
}

// checkSummaryPage serves the real portal on the demo database, signs in as the
// all-offices supervisor and reads the 2021 figures off the rendered summary page, as a
// programme manager would before a donor meeting.
func checkSummaryPage(t *testing.T, db *models.DB, accounts demo.Accounts) {
	sup, ok := accounts.Find("supervisor@awda.local")
	if !ok {
		t.Fatal("no all-offices supervisor in the demo accounts")
	}
	srv := handlerstest.Serve(t, models.NewStores(db, time.Now, dbtest.CheapArgon))
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page := func(req *http.Request) *goquery.Document {
		t.Helper()
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode >= 400 {
			t.Fatalf("%s %s: status %d", req.Method, req.URL.Path, resp.StatusCode)
		}
		doc, err := goquery.NewDocumentFromReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	get, _ := http.NewRequest(http.MethodGet, srv.URL+"/login", nil)
	token, _ := page(get).Find(`input[name="_csrf"]`).Attr("value")
	form := url.Values{"email": {sup.Email}, "password": {sup.Password}, "_csrf": {token}}
	post, _ := http.NewRequest(http.MethodPost, srv.URL+"/login", strings.NewReader(form.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	page(post)
	// No period: the page must pick 2021, the latest year with data, by itself.
	summary, _ := http.NewRequest(http.MethodGet, srv.URL+"/summary", nil)
	doc := page(summary)
	spaces := strings.NewReplacer("\u202f", " ", "\u00a0", " ")
	want := map[string]string{
		"ind-returns":                 "2 377",
		"ind-informed":                "1 925",
		"ind-trained":                 "664",
		"ind-office_funded":           "156",
		"ind-inbound_supported":       "216",
		"support-micro_project-share": "58 %",
		"support-cash-share":          "37 %",
		"support-medical-share":       "4 %",
		"support-training-share":      "1 %",
	}
	for id, w := range want {
		got := spaces.Replace(strings.TrimSpace(doc.Find(`[data-testid="` + id + `"]`).First().Text()))
		if !strings.Contains(got, w) {
			t.Errorf("%s on the summary page = %q, want %q", id, got, w)
		}
	}
}
