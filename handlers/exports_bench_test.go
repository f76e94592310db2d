package handlers

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
	"awda/views"
)

// discardResponse is a ResponseWriter that counts and drops the body, like a client
// reading a download, so the server's own memory is what gets measured.
type discardResponse struct {
	h http.Header
	n atomic.Int64
}

func (d *discardResponse) Header() http.Header         { return d.h }
func (d *discardResponse) WriteHeader(int)             {}
func (d *discardResponse) Flush()                      {}
func (d *discardResponse) Write(p []byte) (int, error) { d.n.Add(int64(len(p))); return len(p), nil }

// seedCases inserts n cases in batches, each with a vulnerability and a household member.
func seedCases(b *testing.B, s *models.Stores, n int) {
	b.Helper()
	o := dbtest.MustOffice(b, s, "RAB", "Rabat")
	u := dbtest.MustUser(b, s, "cw@example.org", models.RoleCaseworker, "RAB", testPassword)
	birth, _ := models.ParseDate("1990-04-02")
	req, _ := models.ParseDate("2021-03-01")
	const batch = 200
	for start := 0; start < n; start += batch {
		cases := make([]models.Case, 0, batch)
		for i := start; i < min(n, start+batch); i++ {
			cases = append(cases, models.Case{CaseNumber: fmt.Sprintf("RAB-2021-%06d", i+1), OfficeID: o.ID,
				Direction: models.Outbound, FamilyName: "Ñúñez العلوي", GivenName: "Zoé", Sex: models.SexF, BirthDate: birth,
				Nationality: "SN", ReturnCountry: "SN", Phone: "+221770000000", IDDocType: "passport", IDDocNumber: "A1234567",
				ConsentDate: req, ConsentShare: true, RequestDate: req, RequestReason: "family", Notes: "note",
				Status: models.StatusRegistered, Version: 1, CreatedByID: u.ID})
		}
		if err := s.DB.Write.Omit("Household", "VulnerabilityOf").Create(&cases).Error; err != nil {
			b.Fatal(err)
		}
		vulns := make([]models.CaseVulnerability, len(cases))
		members := make([]models.HouseholdMember, len(cases))
		for i, c := range cases {
			vulns[i] = models.CaseVulnerability{CaseID: c.ID, Code: "medical_condition"}
			members[i] = models.HouseholdMember{CaseID: c.ID, Name: "Amine", Relation: "son", Sex: models.SexM, BirthDate: birth}
		}
		if err := s.DB.Write.Create(&vulns).Error; err != nil {
			b.Fatal(err)
		}
		if err := s.DB.Write.Create(&members).Error; err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExportCases streams cases.csv for 1,000 and 100,000 cases through the real
// handler and reports rows per second and the peak heap in use above the baseline, which
// must stay flat (within 20 MB) whatever the row count.
//
//	go test -run '^$' -bench ExportCases -benchtime 1x ./handlers/
func BenchmarkExportCases(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			clock := dbtest.NewClock(testStart)
			stores := dbtest.Stores(b, clock)
			seedCases(b, stores, n)
			srv := newPortal(b, stores, quietLogger())
			admin := dbtest.MustUser(b, stores, "admin@example.org", models.RoleAdmin, "", testPassword)
			handler := srv.exportCSV("cases")
			var peak uint64
			var elapsed time.Duration
			b.ResetTimer()
			for range b.N {
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				base := ms.HeapInuse
				stop := make(chan struct{})
				var wg sync.WaitGroup
				wg.Add(1)
				go func() {
					defer wg.Done()
					var m runtime.MemStats
					for {
						runtime.ReadMemStats(&m)
						if m.HeapInuse > base && m.HeapInuse-base > peak {
							peak = m.HeapInuse - base
						}
						select {
						case <-stop:
							return
						case <-time.After(2 * time.Millisecond):
						}
					}
				}()
				req := httptest.NewRequest(http.MethodGet, views.ExportPath("cases.csv", nil), nil)
				rw := &discardResponse{h: http.Header{}}
				c := srv.e.NewContext(req, rw)
				getState(c).user = admin
				start := time.Now()
				if err := handler(c); err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(start)
				close(stop)
				wg.Wait()
				if rw.n.Load() < int64(n)*100 {
					b.Fatalf("only %d bytes for %d cases", rw.n.Load(), n)
				}
			}
			b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "rows/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}
