package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"awda/cmd/awdaload/load"
	"awda/handlers"
	"awda/models"
	"awda/models/dbtest"
	"awda/static"
	"awda/views"
)

// A short load: 8 users for 3 seconds, no error, every acknowledged write in the database.
func TestShortLoad(t *testing.T) {
	dsn := dbtest.DSN(t)
	db, err := models.Open(t.Context(), dsn, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := models.Migrate(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	catalog, err := views.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	assets, err := static.New()
	if err != nil {
		t.Fatal(err)
	}
	h, err := handlers.New(handlers.Config{SessionKey: []byte("load-test-session-key-of-32-bytes-at-least"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		models.NewStores(db, time.Now, dbtest.CheapArgon), catalog, assets)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	var out bytes.Buffer
	err = run(t.Context(), []string{"--target", srv.URL, "--db", dsn, "--users", "8", "--duration", "3s", "--cheap-hashes", "--cases", "40"}, &out, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{" 0 errors", "post-run checks: ok", "GET /cases"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestRefusesNonLoopback(t *testing.T) {
	for _, target := range []string{"http://example.com", "http://10.0.0.1:8080", "http://[2001:db8::1]/", "ftp://127.0.0.1"} {
		var out bytes.Buffer
		err := run(t.Context(), []string{"--target", target, "--db", "unused.db", "--duration", "1s"}, &out, &out)
		if err == nil || !strings.Contains(err.Error(), "refused") && !strings.Contains(err.Error(), "want an http") {
			t.Errorf("target %s: %v, want a refusal", target, err)
		}
	}
	for _, ok := range []string{"http://127.0.0.1:1", "http://127.9.9.9", "http://[::1]:8", "http://localhost:3"} {
		if err := load.CheckLoopback(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
}
