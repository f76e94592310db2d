package main

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
)

const testSessionKey = "a shared session key of at least thirty-two bytes"

// inProcess is `awda serve` run in this test process.
type inProcess struct {
	URL    string
	Out    *dbtest.SyncBuffer
	Err    *dbtest.SyncBuffer
	cancel context.CancelFunc
	done   chan error
}

var listeningRe = regexp.MustCompile(`listening on (http://\S+)`)

// startServe starts `awda serve` on a free loopback port with the environment given
// (plus the shared session key) and waits until it listens. The server stops with the test.
func startServe(t *testing.T, dsn string, env map[string]string) *inProcess {
	t.Helper()
	p := launchServe(t, dsn, env)
	p.wait(t)
	return p
}

// launchServe starts the server without waiting for it.
func launchServe(t *testing.T, dsn string, env map[string]string) *inProcess {
	ctx, cancel := context.WithCancel(context.Background())
	p := &inProcess{Out: &dbtest.SyncBuffer{}, Err: &dbtest.SyncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		if k == "AWDA_SESSION_KEY" {
			return testSessionKey
		}
		if k == "AWDA_LOG_LEVEL" {
			return "warn"
		}
		return ""
	}
	go func() {
		p.done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", dsn}, getenv, nil, p.Out, p.Err)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-p.done:
		case <-time.After(40 * time.Second):
			t.Error("server did not stop")
		}
	})
	return p
}

func (p *inProcess) wait(t *testing.T) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		if m := listeningRe.FindStringSubmatch(p.Out.String()); m != nil {
			p.URL = m[1]
			return
		}
		select {
		case err := <-p.done:
			t.Fatalf("server stopped before listening: %v\n%s", err, p.Err.String())
		case <-deadline:
			t.Fatalf("server did not listen within a minute\n%s", p.Err.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// openStores opens the database a server uses, to prepare users and check results.
func openStores(t *testing.T, dsn string) *models.Stores {
	t.Helper()
	db, err := models.Open(context.Background(), dsn, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return models.NewStores(db, time.Now, dbtest.CheapArgon)
}
