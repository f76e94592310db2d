package main

import (
	"bytes"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"awda/cmd/awdaload/load"
	"awda/handlers/handlerstest"
	"awda/models"
	"awda/models/dbtest"
)

// A short load of the office mix: 10 users (two supervisors) for 3 seconds, no error,
// every scenario of the mix run, every acknowledged write in the database, support
// planned and approved among them.
func TestShortLoad(t *testing.T) {
	dsn := dbtest.DSN(t)
	db, err := models.Open(t.Context(), dsn, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	// Closed after the portal (cleanups run last first), which Serve closes at the end.
	t.Cleanup(func() { db.Close() })
	if err := models.Migrate(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	srv := handlerstest.Serve(t, models.NewStores(db, time.Now, dbtest.CheapArgon))

	var out bytes.Buffer
	err = run(t.Context(), []string{"--target", srv.URL, "--db", dsn, "--users", "10", "--duration", "3s", "--cheap-hashes", "--cases", "40"}, &out, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	// Every user runs each scenario of its mix once first: these are there however
	// slow the machine.
	for _, want := range []string{" 0 errors", "post-run checks: ok", "GET /cases ", "GET /cases/:id ", "POST /cases ",
		"POST /cases/:id/support ", "GET /approvals ", "POST /approvals ", "GET /summary"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, kind := range []string{"case", "support", "support-approval"} {
		m := regexp.MustCompile(`[ (]` + kind + ` (\d+)/\d+`).FindStringSubmatch(out.String())
		if m == nil || m[1] == "0" {
			t.Errorf("no %s write acknowledged", kind)
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
