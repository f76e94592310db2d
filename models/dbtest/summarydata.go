package dbtest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"awda/models"
)

// BulkSize is the size of a bulk summary dataset.
type BulkSize struct {
	Cases, Supports, Sessions, Attendances, Referrals int
}

// BenchSize is the summary benchmarks' dataset: about the demo at scale 40.
var BenchSize = BulkSize{Cases: 100_000, Supports: 250_000, Sessions: 5_000, Attendances: 300_000, Referrals: 100_000}

// BulkSummaryData fills an empty database with a deterministic dataset for the summary
// benchmarks, by multi-row INSERTs of literal values: nine offices, cases over 2017 to
// 2021 (four in five outbound, three in four of those departed), support, sessions with
// attendance, and referrals. Ids are given explicitly (1..n), so nothing may be inserted
// through gorm afterwards.
func BulkSummaryData(tb testing.TB, s *models.Stores, n BulkSize) {
	tb.Helper()
	ctx := context.Background()
	codes := []string{"RAB", "CAS", "TNG", "OUJ", "FES", "MAR", "AGA", "NAD", "LAA"}
	var officeIDs []uint
	for _, c := range codes {
		officeIDs = append(officeIDs, MustOffice(tb, s, c, c).ID)
	}
	u := MustUser(tb, s, "bulk@example.org", models.RoleCaseworker, "RAB", "a long test passphrase")
	nats := []string{"CI", "GN", "SN", "CM", "NG", "ML", "CG", "CD", "BF", "GM", "SL", "TD", "NE", "GH", "BJ"}
	sexes := []string{"M", "M", "F", "M", "F", "X"}
	vulns := models.Vulnerabilities
	types := []string{"micro_project", "micro_project", "cash", "micro_project", "cash", "medical", "micro_project", "cash", "training", "micro_project"}
	statuses := []string{"delivered", "delivered", "approved", "planned", "delivered", "cancelled"}
	partners := models.Partners
	refStatuses := []string{"sent", "accepted", "completed", "rejected", "cancelled"}
	currencies := []string{"MAD", "MAD", "MAD", "EUR", "XOF"}
	day := func(i int) string {
		return time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%(5*365)).Format("2006-01-02")
	}
	now := "'2022-01-01 00:00:00'"
	insert := func(table, cols string, count int, row func(i int) string) {
		const batch = 500
		for start := 0; start < count; start += batch {
			var sb strings.Builder
			sb.WriteString("INSERT INTO " + table + " (" + cols + ") VALUES ")
			for i := start; i < min(count, start+batch); i++ {
				if i > start {
					sb.WriteByte(',')
				}
				sb.WriteString("(" + row(i) + ")")
			}
			if err := s.DB.Write.WithContext(ctx).Exec(sb.String()).Error; err != nil {
				tb.Fatalf("bulk insert into %s: %v", table, err)
			}
		}
	}
	str := func(v string) string {
		if v == "" {
			return "NULL"
		}
		return "'" + v + "'"
	}
	boolean := func(b bool) string {
		if b {
			return "TRUE"
		}
		return "FALSE"
	}
	insert("cases", "id, case_number, office_id, direction, family_name, given_name, sex, birth_date, age_estimate, nationality, return_country, consent_date, status, departure_date, created_by_id, version, created_at, updated_at", n.Cases, func(i int) string {
		id := i + 1
		dir, nat, dep, status := "outbound", nats[i%len(nats)], "", "registered"
		if i%5 == 4 {
			dir, nat = "inbound", "MA"
		} else if i%4 != 3 {
			dep, status = day(i*7), "returned"
		}
		birth, age := "", "NULL"
		switch i % 10 {
		case 0, 1, 2, 3, 4, 5:
			birth = fmt.Sprintf("%04d-%02d-%02d", 1950+i%60, 1+i%12, 1+i%28)
		case 6, 7:
			age = fmt.Sprint(10 + i%60)
		}
		return fmt.Sprintf("%d,'B-%07d',%d,'%s','Family','Given','%s',%s,%s,'%s','%s','2017-01-01','%s',%s,%d,1,%s,%s",
			id, id, officeIDs[i%len(officeIDs)], dir, sexes[i%len(sexes)], str(birth), age, nat, nat, status, str(dep), u.ID, now, now)
	})
	insert("case_vulnerabilities", "case_id, code", n.Cases/4, func(i int) string {
		return fmt.Sprintf("%d,'%s'", 1+i*4, vulns[i%len(vulns)])
	})
	insert("supports", "id, case_id, type, amount, currency, date, funded_by_office, status, planned_by_id, version, created_at, updated_at", n.Supports, func(i int) string {
		return fmt.Sprintf("%d,%d,'%s',%d,'%s','%s',%s,'%s',%d,1,%s,%s", i+1, 1+(i*7919)%n.Cases, types[i%len(types)],
			100_000+(i%50)*1000, currencies[i%len(currencies)], day(i*3), boolean(i%9 == 0), statuses[i%len(statuses)], u.ID, now, now)
	})
	insert("group_sessions", "id, office_id, kind, title, date, created_by_id, created_at, updated_at", n.Sessions, func(i int) string {
		kind := "info_session"
		if i%3 == 2 {
			kind = "training"
		}
		return fmt.Sprintf("%d,%d,'%s','Session','%s',%d,%s,%s", i+1, officeIDs[i%len(officeIDs)], kind, day(i*11), u.ID, now, now)
	})
	per := max(1, n.Attendances/n.Sessions)
	insert("session_attendances", "session_id, case_id, added_by_id, created_at", n.Attendances, func(i int) string {
		sess, k := i/per, i%per
		return fmt.Sprintf("%d,%d,%d,%s", 1+sess%n.Sessions, 1+(sess*131+k*(n.Cases/per))%n.Cases, u.ID, now)
	})
	insert("referrals", "id, case_id, partner, date_sent, status, created_by_id, version, created_at, updated_at", n.Referrals, func(i int) string {
		return fmt.Sprintf("%d,%d,'%s','%s','%s',%d,1,%s,%s", i+1, 1+(i*104729)%n.Cases, partners[i%len(partners)], day(i*13), refStatuses[i%len(refStatuses)], u.ID, now, now)
	})
	// fresh planner statistics, as a live database would have.
	if err := s.DB.Write.Exec("ANALYZE").Error; err != nil {
		tb.Fatalf("analyze: %v", err)
	}
}
