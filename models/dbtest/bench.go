package dbtest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"gorm.io/gorm/clause"

	"awda/models"
)

// BenchCases is the number of cases the list, search and case file must stay fast at.
const BenchCases = 100_000

// BenchPassword is the password of bench@example.org, the caseworker of office OUJ in
// the benchmark database.
const BenchPassword = "quiet river stones 42"

// BenchCasesDB opens the SQLite benchmark database at path: 100,000 cases in nine
// offices. It is kept between runs and rebuilt when its case count is not the expected
// one. Give each test binary its own path: packages run their benchmarks at once.
func BenchCasesDB(tb testing.TB, path string) *models.Stores {
	tb.Helper()
	ctx := context.Background()
	db, err := models.Open(ctx, path, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		tb.Fatal(err)
	}
	if err := models.Migrate(ctx, db); err != nil {
		tb.Fatal(err)
	}
	stores := models.NewStores(db, time.Now, CheapArgon)
	var n int64
	db.Read.Model(&models.Case{}).Count(&n)
	if n != BenchCases {
		if err := FillCases(ctx, stores, BenchCases); err != nil {
			tb.Fatal(err)
		}
	}
	return stores
}

// FillCases replaces every case of the database with n generated ones spread over nine
// offices, inserted in batches (not through the store: building 100,000 one by one
// would take minutes), with their first status and some vulnerabilities.
func FillCases(ctx context.Context, s *models.Stores, n int) error {
	db := s.DB
	for _, t := range []string{"status_changes", "case_vulnerabilities", "household_members", "cases", "case_counters"} {
		if err := db.Write.Exec("DELETE FROM " + t).Error; err != nil {
			return err
		}
	}
	codes := []string{"RAB", "CAS", "TNG", "OUJ", "FES", "MAR", "AGA", "NAD", "LAA"}
	var offices []models.Office
	for _, code := range codes {
		o, err := s.Offices.ByCode(ctx, code)
		if err != nil {
			o, err = s.Offices.Create(ctx, models.Actor{}, models.OfficeInput{Code: code, Name: code, City: code})
			if err != nil {
				return err
			}
		}
		offices = append(offices, *o)
	}
	var u models.User
	if err := db.Read.Where("email = ?", BenchCaseworker).First(&u).Error; err != nil {
		nu, _, err := s.Users.Create(ctx, models.Actor{}, models.UserInput{Email: BenchCaseworker, Name: "Bench", Role: models.RoleCaseworker, OfficeCode: "OUJ", Password: BenchPassword})
		if err != nil {
			return err
		}
		u = *nu
	}
	family := []string{"Diallo", "Koné", "Traoré", "Camara", "Sow", "Bah", "Coulibaly", "Touré", "Ndiaye", "Keïta", "الزهراء", "بنعلي", "Ouédraogo", "Sylla", "Barry"}
	given := []string{"Aïcha", "Mohamed", "Fatoumata", "Ousmane", "Mamadou", "Awa", "Ibrahima", "Mariam", "Youssef", "فاطمة", "Abdoulaye", "Kadiatou", "Salif", "Binta"}
	nats := []string{"GN", "CI", "SN", "ML", "CM", "NG", "BF", "MA"}
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
	const batch = 2000
	for from := 0; from < n; from += batch {
		rows := make([]models.Case, 0, batch)
		for i := from; i < from+batch && i < n; i++ {
			o := offices[i%len(offices)]
			created := start.Add(time.Duration(i) * 15 * time.Minute)
			cs := models.Case{
				CaseNumber: fmt.Sprintf("%s-%d-%05d", o.Code, created.Year(), i/len(offices)+1),
				OfficeID:   o.ID, Direction: models.Outbound,
				FamilyName: family[rng.IntN(len(family))], GivenName: given[rng.IntN(len(given))],
				Sex: models.Sexes[rng.IntN(3)], BirthDate: models.NewDate(1960+rng.IntN(45), time.Month(1+rng.IntN(12)), 1+rng.IntN(28)),
				Nationality: nats[rng.IntN(len(nats))], Phone: fmt.Sprintf("06%08d", rng.IntN(100_000_000)),
				IDDocNumber: fmt.Sprintf("P%07d", i), ConsentDate: models.DateOf(created),
				Status: models.CaseStatuses[rng.IntN(len(models.CaseStatuses))], Version: 1, CreatedByID: u.ID,
				CreatedAt: created, UpdatedAt: created,
			}
			cs.ReturnCountry = cs.Nationality
			if cs.Nationality == "MA" {
				cs.Direction = models.Inbound
			}
			if i%3 == 0 {
				id := u.ID
				cs.AssignedToID = &id
			}
			cs.NameKey = models.NameKey(cs.FamilyName, cs.GivenName)
			cs.SearchKey = models.SearchKey(cs.FamilyName, cs.GivenName, cs.CaseNumber, cs.IDDocNumber, cs.Phone)
			rows = append(rows, cs)
		}
		if err := db.Write.Omit(clause.Associations).CreateInBatches(&rows, 500).Error; err != nil {
			return fmt.Errorf("insert cases: %w", err)
		}
		var vulns []models.CaseVulnerability
		var changes []models.StatusChange
		for _, cs := range rows {
			if cs.ID%5 == 0 {
				vulns = append(vulns, models.CaseVulnerability{CaseID: cs.ID, Code: string(models.Vulnerabilities[cs.ID%10])})
			}
			changes = append(changes, models.StatusChange{CaseID: cs.ID, To: cs.Status, Date: models.DateOf(cs.CreatedAt), UserID: u.ID, CreatedAt: cs.CreatedAt})
		}
		if len(vulns) > 0 {
			if err := db.Write.CreateInBatches(&vulns, 500).Error; err != nil {
				return err
			}
		}
		if err := db.Write.Omit(clause.Associations).CreateInBatches(&changes, 500).Error; err != nil {
			return err
		}
	}
	return db.Write.Exec("ANALYZE").Error
}

// BenchCaseworker is the caseworker of office OUJ in the benchmark database.
const BenchCaseworker = "bench@example.org"

// BenchCaseFile returns the newest case of office OUJ with the casework a case file
// typically shows (support at each stage, counselling and monitoring, a referral, an
// information session), recording it through the stores the first time.
func BenchCaseFile(tb testing.TB, s *models.Stores) uint {
	tb.Helper()
	ctx := context.Background()
	var id uint
	s.DB.Read.Raw(`SELECT c.id FROM cases c JOIN offices o ON o.id = c.office_id
		WHERE o.code = 'OUJ' ORDER BY c.id DESC LIMIT 1`).Scan(&id)
	if id == 0 {
		tb.Fatal("no case in office OUJ")
	}
	var n int64
	s.DB.Read.Model(&models.Support{}).Where("case_id = ?", id).Count(&n)
	if n > 0 {
		return id
	}
	var cw models.User
	if err := s.DB.Read.Where("email = ?", BenchCaseworker).First(&cw).Error; err != nil {
		tb.Fatal(err)
	}
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	must(s.DB.Write.Exec("UPDATE cases SET consent_share = ?, status = ? WHERE id = ?", true, models.StatusReturned, id).Error)
	a, sc := models.Actor{User: &cw, IP: "127.0.0.1"}, cw.Scope()
	for _, in := range []models.SupportInput{
		{Type: "micro_project", Description: "Grocery shop: shelves and first stock", Amount: "15 000", Currency: "MAD", Date: "2020-11-10", FundedByOffice: true},
		{Type: "cash", Description: "Rent for three months", Amount: "3 000", Currency: "MAD", Date: "2020-11-12"},
		{Type: "medical", Description: "Follow-up consultations", Amount: "150 000", Currency: "XOF", Date: "2020-11-15"},
	} {
		_, err := s.Support.Plan(ctx, a, sc, id, in)
		must(err)
	}
	for _, in := range []models.ActivityInput{
		{Kind: "counselling", Date: "2020-11-08", Note: "Wants to open a shop near the family home."},
		{Kind: "monitoring", Mode: "phone", Date: "2020-11-20", Note: "Arrived; staying with an uncle."},
	} {
		_, err := s.Activities.Record(ctx, a, sc, id, in)
		must(err)
	}
	_, err := s.Referrals.Create(ctx, a, sc, id, models.ReferralInput{Partner: "ANAPEC", Purpose: "Job search support", Date: "2020-11-09"})
	must(err)
	gs, err := s.GroupSessions.Create(ctx, a, sc, models.SessionInput{Kind: "info_session", Title: "Return: what to expect",
		Date: "2020-11-05", Place: "Oujda office", Facilitator: "S. Idrissi"})
	must(err)
	var number string
	s.DB.Read.Raw("SELECT case_number FROM cases WHERE id = ?", id).Scan(&number)
	_, err = s.GroupSessions.AddAttendance(ctx, a, sc, gs.ID, []string{number})
	must(err)
	return id
}
