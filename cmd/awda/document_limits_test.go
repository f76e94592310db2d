package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"awda/cmd/awdaload/load"
	"awda/models"
	"awda/models/dbtest"
)

// parseDocumentLimits reads serve's document flags from args over an environment.
func parseDocumentLimits(t *testing.T, environ map[string]string, args ...string) (models.DocumentLimits, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := addDocumentLimitFlags(fs, func(k string) string { return environ[k] })
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return f.limits()
}

func TestServeDocumentLimitFlags(t *testing.T) {
	def := models.DefaultDocumentLimits()
	got, err := parseDocumentLimits(t, nil)
	if err != nil || got != def {
		t.Fatalf("defaults: %+v, %v; want %+v", got, err, def)
	}
	cases := []struct {
		name    string
		environ map[string]string
		args    []string
		want    func(l *models.DocumentLimits)
	}{
		{"flags", nil, []string{"--document-max-bytes", "2MB", "--documents-per-case", "20", "--documents-per-upload", "4", "--document-max-pixels", "12000000"},
			func(l *models.DocumentLimits) {
				l.MaxBytes, l.MaxPerCase, l.MaxPerUpload, l.MaxPixels = 2<<20, 20, 4, 12_000_000
			}},
		{"environment", map[string]string{"AWDA_DOCUMENT_MAX_BYTES": "524288", "AWDA_DOCUMENTS_PER_CASE": "7",
			"AWDA_DOCUMENTS_PER_UPLOAD": "3", "AWDA_DOCUMENT_MAX_PIXELS": "50000"}, nil,
			func(l *models.DocumentLimits) {
				l.MaxBytes, l.MaxPerCase, l.MaxPerUpload, l.MaxPixels = 512<<10, 7, 3, 50_000
			}},
		{"a flag wins over the environment", map[string]string{"AWDA_DOCUMENT_MAX_BYTES": "1MB", "AWDA_DOCUMENTS_PER_CASE": "7"},
			[]string{"--document-max-bytes", "300 KB"},
			func(l *models.DocumentLimits) { l.MaxBytes, l.MaxPerCase, l.MaxPerUpload = 300<<10, 7, 7 }},
		{"files per upload follow a smaller per-case limit", nil, []string{"--documents-per-case", "4"},
			func(l *models.DocumentLimits) { l.MaxPerCase, l.MaxPerUpload = 4, 4 }},
		{"units in lower case", nil, []string{"--document-max-bytes", "64kb"},
			func(l *models.DocumentLimits) { l.MaxBytes = 64 << 10 }},
	}
	for _, c := range cases {
		want := def
		c.want(&want)
		got, err := parseDocumentLimits(t, c.environ, c.args...)
		if err != nil || got != want {
			t.Errorf("%s: %+v, %v; want %+v", c.name, got, err, want)
		}
		if got.UploadBodyLimit() != want.MaxBytes*int64(want.MaxPerUpload)+1<<20 {
			t.Errorf("%s: upload body limit %d", c.name, got.UploadBodyLimit())
		}
	}
	bad := []struct {
		environ map[string]string
		args    []string
		names   string
	}{
		{nil, []string{"--document-max-bytes", "ten megabytes"}, "--document-max-bytes (AWDA_DOCUMENT_MAX_BYTES)"},
		{nil, []string{"--document-max-bytes", "0"}, "--document-max-bytes"},
		{nil, []string{"--document-max-bytes", "-5MB"}, "--document-max-bytes"},
		{nil, []string{"--document-max-bytes", "100"}, "--document-max-bytes"},
		{nil, []string{"--document-max-bytes", "5000MB"}, "--document-max-bytes"},
		{map[string]string{"AWDA_DOCUMENT_MAX_BYTES": "lots"}, nil, "AWDA_DOCUMENT_MAX_BYTES"},
		{nil, []string{"--documents-per-case", "0"}, "--documents-per-case (AWDA_DOCUMENTS_PER_CASE)"},
		{nil, []string{"--documents-per-case", "2.5"}, "--documents-per-case"},
		{map[string]string{"AWDA_DOCUMENTS_PER_CASE": "-1"}, nil, "AWDA_DOCUMENTS_PER_CASE"},
		{nil, []string{"--documents-per-upload", "none"}, "--documents-per-upload"},
		{nil, []string{"--documents-per-case", "5", "--documents-per-upload", "6"}, "--documents-per-upload 6 is more than --documents-per-case 5"},
		{nil, []string{"--document-max-pixels", "24MP"}, "--document-max-pixels (AWDA_DOCUMENT_MAX_PIXELS)"},
		{nil, []string{"--document-max-pixels", "10"}, "--document-max-pixels"},
		{map[string]string{"AWDA_DOCUMENT_MAX_PIXELS": "999999999999"}, nil, "AWDA_DOCUMENT_MAX_PIXELS"},
	}
	for _, b := range bad {
		_, err := parseDocumentLimits(t, b.environ, b.args...)
		if err == nil || !strings.Contains(err.Error(), b.names) || strings.Contains(err.Error(), "strconv") {
			t.Errorf("%v %v: %v, want an English sentence naming %s", b.environ, b.args, err, b.names)
		}
	}
}

// awda serve refuses a bad document limit before creating the database or printing
// the first administrator's password.
func TestServeRefusesBadDocumentLimitsBeforeWritingAnything(t *testing.T) {
	db := filepath.Join(t.TempDir(), "new", "a.db")
	for _, args := range [][]string{
		{"--document-max-bytes", "huge"},
		{"--documents-per-case", "0"},
		{"--document-max-pixels", "-1"},
	} {
		out, err := runCLI(t, "", append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, args...)...)
		if err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("%v: %v", args, err)
		}
		if strings.Contains(out, "password") {
			t.Errorf("%v printed a password: %q", args, out)
		}
	}
	var out, errOut bytes.Buffer
	environ := map[string]string{"AWDA_DOCUMENTS_PER_CASE": "many"}
	err := run(context.Background(), []string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, func(k string) string { return environ[k] },
		strings.NewReader(""), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "AWDA_DOCUMENTS_PER_CASE") {
		t.Errorf("AWDA_DOCUMENTS_PER_CASE=many: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(db)); !os.IsNotExist(err) {
		t.Fatalf("serve created files before refusing its flags: %v", err)
	}
}

// The limits set in the environment reach the running portal: the case file's upload
// form states them.
func TestServeAppliesDocumentLimits(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "limits.db")
	p := startServe(t, dsn, map[string]string{"AWDA_DOCUMENT_MAX_BYTES": "64KB", "AWDA_DOCUMENTS_PER_CASE": "3"})
	stores := openStores(t, dsn)
	office := dbtest.MustOffice(t, stores, "RAB", "Rabat")
	u := dbtest.MustUser(t, stores, "cw@example.org", models.RoleCaseworker, "RAB", "a long test passphrase")
	cs := &models.Case{CaseNumber: "RAB-2021-00001", OfficeID: office.ID, Direction: models.Inbound, FamilyName: "Benali",
		GivenName: "Amina", Sex: models.SexF, Nationality: "MA", ReturnCountry: "MA", ConsentDate: models.NewDate(2021, 1, 5),
		Status: models.StatusRegistered, Version: 1, CreatedByID: u.ID}
	if err := stores.DB.Write.Create(cs).Error; err != nil {
		t.Fatal(err)
	}
	c := load.NewClient(p.URL, nil)
	if err := c.Login(t.Context(), "cw@example.org", "a long test passphrase"); err != nil {
		t.Fatal(err)
	}
	r, err := c.Get(t.Context(), fmt.Sprintf("/cases/%d", cs.ID))
	if err != nil || r.Status != 200 {
		t.Fatalf("case file: %v %v", r, err)
	}
	if !strings.Contains(r.Body, "64 Ko") || !strings.Contains(r.Body, "sur 3") || strings.Contains(r.Body, "10 Mo") {
		t.Fatalf("the upload form does not state the configured limits:\n%s", r.Body)
	}
}
