package models_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"awda/models"
	"awda/models/dbtest"
)

var (
	benchOnce   sync.Once
	benchStores *models.Stores
	benchOffice uint
)

// benchDB is one SQLite database of 100,000 cases shared by every benchmark of the
// binary (dbtest.BenchCasesDB), kept in the temporary folder between runs.
func benchDB(b *testing.B) *models.Stores {
	b.Helper()
	benchOnce.Do(func() {
		benchStores = dbtest.BenchCasesDB(b, filepath.Join(os.TempDir(), "awda-bench-cases-100k.db"))
		var o models.Office
		benchStores.DB.Read.Where("code = ?", "OUJ").First(&o)
		benchOffice = o.ID
	})
	if benchStores == nil {
		b.Fatal("no benchmark database")
	}
	return benchStores
}

func benchList(b *testing.B, sc models.Scope, f models.CaseFilter) {
	s := benchDB(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := s.Cases.List(ctx, sc, f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCaseList is one office's first page, newest first, with its total.
func BenchmarkCaseList(b *testing.B) {
	s := benchDB(b)
	_ = s
	benchList(b, models.Scope{OfficeID: &benchOffice, Role: models.RoleCaseworker}, models.CaseFilter{})
}

// BenchmarkCaseListAllOffices is a supervisor's page 40 of every office, filtered by status.
func BenchmarkCaseListAllOffices(b *testing.B) {
	benchList(b, models.Scope{Role: models.RoleSupervisor}, models.CaseFilter{Status: "registered", Page: 40})
}

// BenchmarkCaseSearch is an accent-less name search across every office.
func BenchmarkCaseSearch(b *testing.B) {
	benchList(b, models.Scope{Role: models.RoleSupervisor}, models.CaseFilter{Q: "aicha kone"})
}

// BenchmarkCaseSearchNumber finds one case by its number in an office.
func BenchmarkCaseSearchNumber(b *testing.B) {
	s := benchDB(b)
	_ = s
	benchList(b, models.Scope{OfficeID: &benchOffice, Role: models.RoleCaseworker}, models.CaseFilter{Q: "OUJ-2019-01234"})
}

// BenchmarkCaseFile reads a whole case file with typical casework.
func BenchmarkCaseFile(b *testing.B) {
	s := benchDB(b)
	id := dbtest.BenchCaseFile(b, s)
	sc := models.Scope{OfficeID: &benchOffice, Role: models.RoleCaseworker}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Cases.File(ctx, sc, id); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCaseFileSparse reads the file of a case with nothing recorded yet but its
// registration (most cases of an office, most of the time).
func BenchmarkCaseFileSparse(b *testing.B) {
	s := benchDB(b)
	full := dbtest.BenchCaseFile(b, s)
	var id uint
	s.DB.Read.Raw("SELECT id FROM cases WHERE office_id = ? AND id <> ? ORDER BY id DESC LIMIT 1", benchOffice, full).Scan(&id)
	sc := models.Scope{OfficeID: &benchOffice, Role: models.RoleCaseworker}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Cases.File(ctx, sc, id); err != nil {
			b.Fatal(err)
		}
	}
}
