package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"awda/cmd/awdaload/load"
	"awda/models"
	"awda/models/dbtest"
)

// binary is `awda serve` run as its own process, which a test can kill.
type binary struct {
	cmd  *exec.Cmd
	URL  string
	out  *dbtest.SyncBuffer
	errs *dbtest.SyncBuffer
	done chan error
}

func startBinary(t *testing.T, db string, env ...string) *binary {
	t.Helper()
	b := &binary{out: &dbtest.SyncBuffer{}, errs: &dbtest.SyncBuffer{}, done: make(chan error, 1)}
	b.cmd = exec.Command(awdaBin, "serve", "--addr", "127.0.0.1:0", "--db", db)
	b.cmd.Env = append(os.Environ(), "AWDA_SESSION_KEY="+testSessionKey, "AWDA_LOG_LEVEL=warn")
	b.cmd.Env = append(b.cmd.Env, env...)
	b.cmd.Stdout, b.cmd.Stderr = b.out, b.errs
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { b.done <- b.cmd.Wait() }()
	t.Cleanup(func() {
		b.cmd.Process.Kill()
		<-b.done
	})
	deadline := time.After(30 * time.Second)
	for {
		if m := listeningRe.FindStringSubmatch(b.out.String()); m != nil {
			b.URL = m[1]
			return b
		}
		select {
		case err := <-b.done:
			b.done <- err
			t.Fatalf("awda exited before listening: %v\n%s", err, b.errs.String())
		case <-deadline:
			t.Fatalf("awda did not listen within 30s\n%s", b.errs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// wait returns the process's exit error (nil for exit code 0).
func (b *binary) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-b.done:
		b.done <- err
		return err
	case <-time.After(40 * time.Second):
		t.Fatal("awda did not exit within 40s")
		return nil
	}
}

// crashUsers creates an office and n caseworkers on a fresh SQLite database.
func crashUsers(t *testing.T, db string, n int) []load.User {
	t.Helper()
	stores := openStores(t, db)
	if err := models.Migrate(t.Context(), stores.DB); err != nil {
		t.Fatal(err)
	}
	dbtest.MustOffice(t, stores, "RAB", "Rabat")
	var users []load.User
	for i := range n {
		u := load.User{Email: fmt.Sprintf("cw%d@example.org", i), Password: "a long crash passphrase", Role: "caseworker"}
		dbtest.MustUser(t, stores, u.Email, models.RoleCaseworker, "RAB", u.Password)
		users = append(users, u)
	}
	stores.DB.Close()
	return users
}

// verifyDB checks a database after the server stopped: integrity, then every write
// acknowledged by the server is there.
func verifyDB(t *testing.T, db string, writes []load.Write) {
	t.Helper()
	if err := models.CheckIntegrity(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	stores := openStores(t, db)
	if err := load.Verify(t.Context(), stores.DB, writes); err != nil {
		t.Fatalf("acknowledged writes lost:\n%v", err)
	}
}

func countAcked(ws []load.Write) (n int) {
	for _, w := range ws {
		if w.Acked {
			n++
		}
	}
	return n
}

// SIGKILL in the middle of writes loses nothing acknowledged and corrupts nothing.
func TestCrashMidLoad(t *testing.T) {
	if dbtest.Backend() != "sqlite" {
		t.Skip("the crash test is about the SQLite file; PostgreSQL has its own WAL")
	}
	db := filepath.Join(t.TempDir(), "awda.db")
	users := crashUsers(t, db, 8)
	srv := startBinary(t, db)

	// The server is killed once 30 writes are acknowledged (however slow the machine is
	// under -race), with more in flight.
	const killAfter = 30
	var acked atomic.Int64
	enough := make(chan struct{})
	ctx, cancel := context.WithCancel(t.Context())
	resc := make(chan *load.Result, 1)
	go func() {
		res, err := load.Run(ctx, load.Config{Base: srv.URL, Users: users, Duration: 2 * time.Minute,
			Scenarios: load.WriteMix, KeepGoing: true, Seed: 7, OnAck: func(load.Write) {
				if acked.Add(1) == killAfter {
					close(enough)
				}
			}})
		if err != nil {
			t.Error(err)
		}
		resc <- res
	}()
	select {
	case <-enough:
	case res := <-resc:
		t.Fatalf("the load ended before %d writes were acknowledged: %d", killAfter, countAcked(res.Writes))
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.wait(t)
	time.Sleep(100 * time.Millisecond)
	cancel()
	res := <-resc
	n := countAcked(res.Writes)
	t.Logf("before SIGKILL: %d writes sent, %d acknowledged", len(res.Writes), n)
	if n < killAfter {
		t.Fatalf("only %d acknowledged writes before the kill: the test proves nothing", n)
	}
	registered := 0
	for _, w := range res.Writes {
		if w.Kind == "case" && w.Acked {
			registered++
		}
	}
	t.Logf("of which %d case registrations (each must be there once, every case number unique)", registered)
	if registered == 0 {
		t.Fatal("no registration acknowledged before the kill")
	}

	// The restarted server opens the same file (recovering its WAL) and serves.
	again := startBinary(t, db)
	c := load.NewClient(again.URL, nil)
	if err := c.Login(t.Context(), users[0].Email, users[0].Password); err != nil {
		var es *load.ErrStatus
		if !errors.As(err, &es) {
			t.Fatalf("sign in after restart: %v", err)
		}
	}
	again.cmd.Process.Signal(syscall.SIGTERM)
	if err := again.wait(t); err != nil {
		t.Fatalf("restarted server did not exit cleanly: %v", err)
	}
	verifyDB(t, db, res.Writes)
}

// SIGTERM lets every request in flight finish, then the server exits 0.
func TestGracefulDrain(t *testing.T) {
	if dbtest.Backend() != "sqlite" {
		t.Skip("runs on SQLite")
	}
	db := filepath.Join(t.TempDir(), "awda.db")
	users := crashUsers(t, db, 8)
	srv := startBinary(t, db)
	ctx := t.Context()

	clients := make([]*load.Client, len(users))
	for i, u := range users {
		clients[i] = load.NewClient(srv.URL, &http.Transport{DisableKeepAlives: true})
		if err := clients[i].Login(ctx, u.Email, u.Password); err != nil {
			t.Fatal(err)
		}
		if _, err := clients[i].Get(ctx, "/account"); err != nil {
			t.Fatal(err)
		}
	}
	// Every user's password change is in flight when SIGTERM arrives: its headers and
	// half its form are sent; the rest follows after the signal.
	var writes []load.Write
	var mu sync.Mutex
	var wg sync.WaitGroup
	rest := make([]func(), len(users))
	var headersSent sync.WaitGroup
	headersSent.Add(len(users))
	for i, u := range users {
		next := fmt.Sprintf("drained passphrase %d", i)
		body := url.Values{"_csrf": {clients[i].CSRF}, "current": {u.Password}, "password": {next}, "confirm": {next}}.Encode()
		pr, pw := io.Pipe()
		traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: headersSent.Done})
		req, _ := http.NewRequestWithContext(traced, http.MethodPost, srv.URL+"/account/password", pr)
		req.ContentLength = int64(len(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		half := len(body) / 2
		go pw.Write([]byte(body[:half]))
		rest[i] = func() { pw.Write([]byte(body[half:])); pw.Close() }
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := clients[i].HTTP.Do(req)
			ok := err == nil && resp.StatusCode == http.StatusSeeOther
			if err == nil {
				resp.Body.Close()
			}
			if !ok {
				t.Errorf("%s: a request in flight at SIGTERM failed: %v %v", u.Email, resp, err)
			}
			mu.Lock()
			writes = append(writes, load.Write{Kind: "password", User: u.Email, Value: next, Acked: ok})
			mu.Unlock()
		}()
	}
	// Every request's headers are on their connection (however slow the machine), and the
	// server has a moment to accept the connections and read them.
	headersSent.Wait()
	time.Sleep(200 * time.Millisecond)
	sent := time.Now()
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	// New connections are refused while it drains.
	if _, err := load.NewClient(srv.URL, nil).Get(ctx, "/login"); err == nil {
		t.Error("a new request was accepted after SIGTERM")
	}
	for _, f := range rest {
		f()
	}
	wg.Wait()
	finished := time.Since(sent)
	if err := srv.wait(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v, want 0\n%s", err, srv.errs.String())
	}
	t.Logf("%d password changes in flight finished %s after SIGTERM", len(users), finished.Round(time.Millisecond))
	verifyDB(t, db, writes)
}

// Case views are queued for the audit log without the page waiting (AuditStore.Enqueue):
// a server stopped with SIGTERM right after a burst of views saves every one of them
// before it exits.
func TestShutdownSavesQueuedCaseViews(t *testing.T) {
	if dbtest.Backend() != "sqlite" {
		t.Skip("runs on SQLite")
	}
	db := filepath.Join(t.TempDir(), "awda.db")
	users := crashUsers(t, db, 1)
	stores := openStores(t, db)
	var office models.Office
	var user models.User
	stores.DB.Read.Where("code = ?", "RAB").First(&office)
	stores.DB.Read.Where("email = ?", users[0].Email).First(&user)
	cs := dbtest.MustCase(t, stores, office.ID, user.ID, dbtest.Person{})
	stores.DB.Close()

	srv := startBinary(t, db)
	ctx := t.Context()
	c := load.NewClient(srv.URL, nil)
	if err := c.Login(ctx, users[0].Email, users[0].Password); err != nil {
		t.Fatal(err)
	}
	const views = 20
	for range views {
		resp, err := c.Get(ctx, fmt.Sprintf("/cases/%d", cs.ID))
		if err != nil || resp.Status != http.StatusOK {
			t.Fatalf("case file: %+v %v", resp, err)
		}
	}
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := srv.wait(t); err != nil {
		t.Fatalf("exit after SIGTERM: %v, want 0\n%s", err, srv.errs.String())
	}
	stores = openStores(t, db)
	defer stores.DB.Close()
	var n int64
	stores.DB.Read.Model(&models.AuditEvent{}).Where("action = ? AND record_id = ?", "case.view", fmt.Sprint(cs.ID)).Count(&n)
	if n != views {
		t.Fatalf("%d case.view events saved, want %d", n, views)
	}
}
