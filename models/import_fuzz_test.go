package models_test

import (
	"context"
	"slices"
	"testing"

	"awda/models"
	"awda/views"
)

// A case file of any content goes through the import's dry run without a panic or a
// Go error (those are for the database), and every refusal it gives is a message the
// catalogue has in each language: for the whole file, or for a row (2 or more, as a
// spreadsheet numbers them) and a column of the file.
func FuzzImportFile(f *testing.F) {
	head := "office,direction,family_name,given_name,sex,birth_date,nationality,return_country,consent_date\n"
	for _, s := range []string{
		frenchFile,
		head + "RAB,outbound,Kane,Awa,F,1991-01-01,SN,SN,2021-01-01\n",
		head + "RAB,sideways,,Awa,X,1991-02-30,ZZ,SN,tomorrow\n",
		head + "RAB,outbound,\"Kane,Awa,F\n",
		"office;direction\r\nRAB;inbound\r\n",
		"direction,direction\n", "name,age\nA,3\n", "", "PK\x03\x04rest", "\xff\xfe", "a\x00b",
	} {
		f.Add([]byte(s))
	}
	fx := newImportFixture(f)
	catalog, err := views.LoadCatalog()
	if err != nil {
		f.Fatal(err)
	}
	columns := models.ExportColumns["cases"]
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := fx.s.Imports.DryRun(context.Background(), models.Scope{}, data, "RAB")
		if err != nil {
			t.Fatalf("dry run failed instead of reporting: %v", err)
		}
		keys := []string{}
		if res.FileError != "" {
			if res.Rows != 0 || res.ErrorCount != 0 {
				t.Errorf("file refused (%s) yet %d rows and %d errors", res.FileError, res.Rows, res.ErrorCount)
			}
			keys = append(keys, res.FileError)
		}
		if res.ErrorCount < len(res.Errors) {
			t.Errorf("%d errors counted, %d listed", res.ErrorCount, len(res.Errors))
		}
		for _, e := range res.Errors {
			if e.Row < 2 || e.Row > res.Rows+1 {
				t.Errorf("error %s on row %d of a file of %d rows", e.Key, e.Row, res.Rows)
			}
			if e.Column != "" && !slices.Contains(columns, e.Column) {
				t.Errorf("error %s in column %q, not a column of cases.csv", e.Key, e.Column)
			}
			keys = append(keys, e.Key)
		}
		for _, k := range keys {
			for _, lang := range views.Languages {
				if !catalog.Has(lang, k) {
					t.Errorf("refusal %q has no %s message", k, lang)
				}
			}
		}
	})
}
