package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"awda/models"
)

// vmKiB reads a memory figure (VmHWM: the peak resident set; VmRSS: the current one) of
// a process from /proc, in KiB.
func vmKiB(t *testing.T, pid int, field string) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	m := regexp.MustCompile(field + `:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no %s in /proc/%d/status", field, pid)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

var csrfInputRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// loopbackClient is a browser on its own loopback address (127.0.1.N), so that the
// sign-in throttle per address does not stop a storm of many users' sign-ins.
func loopbackClient(n int) *http.Client {
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, byte(1+n/250), byte(1+n%250))}, Timeout: 10 * time.Second}
	return &http.Client{
		Jar:           jar,
		Timeout:       60 * time.Second,
		Transport:     &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// 200 sign-ins at once against the real binary (argon2id at its production cost, 19
// MiB each), from 200 addresses for 200 emails so that no throttle stops them: the
// hashes wait their turn in a few slots, the overflow is told to come back (503), the
// server's peak memory stays under 300 MB and /healthz answers throughout.
func TestPasswordHashingCap(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc")
	}
	const n = 200
	b := startBinary(t, filepath.Join(t.TempDir(), "awda.db"))
	pid := b.cmd.Process.Pid

	clients := make([]*http.Client, n)
	tokens := make([]string, n)
	for i := range clients {
		clients[i] = loopbackClient(i)
		resp, err := clients[i].Get(b.URL + "/login")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := csrfInputRe.FindSubmatch(body)
		if m == nil {
			t.Fatalf("no CSRF token on the sign-in page (status %d)", resp.StatusCode)
		}
		tokens[i] = string(m[1])
	}
	before := vmKiB(t, pid, "VmRSS")

	// /healthz every 50 ms while the storm lasts.
	stop := make(chan struct{})
	var health struct {
		sync.Mutex
		ok, failed int
		slowest    time.Duration
	}
	var probes sync.WaitGroup
	probes.Go(func() {
		hc := &http.Client{Timeout: 2 * time.Second}
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			start := time.Now()
			resp, err := hc.Get(b.URL + "/healthz")
			took := time.Since(start)
			health.Lock()
			if err == nil && resp.StatusCode == http.StatusOK {
				health.ok++
			} else {
				health.failed++
			}
			health.slowest = max(health.slowest, took)
			health.Unlock()
			if err == nil {
				resp.Body.Close()
			}
		}
	})

	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	begun := time.Now()
	for i := range n {
		wg.Go(func() {
			form := url.Values{"_csrf": {tokens[i]}, "email": {fmt.Sprintf("storm%d@example.org", i)}, "password": {"not the password at all"}}
			<-start
			resp, err := clients[i].Post(b.URL+"/login", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
			status := 0
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				status = resp.StatusCode
				if status == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
					t.Errorf("503 without Retry-After")
				}
			}
			mu.Lock()
			statuses[status]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	took := time.Since(begun)
	// A little more probing after the storm, then the peak.
	time.Sleep(200 * time.Millisecond)
	close(stop)
	probes.Wait()
	peak := vmKiB(t, pid, "VmHWM")
	t.Logf("%d sign-ins at once in %v: answers %v; RSS %d MB before, peak %d MB; /healthz %d ok, %d failed, slowest %v",
		n, took.Round(time.Millisecond), statuses, before/1024, peak/1024, health.ok, health.failed, health.slowest.Round(time.Millisecond))
	if statuses[http.StatusUnauthorized]+statuses[http.StatusServiceUnavailable] != n {
		t.Errorf("answers %v: want each 401 (checked) or 503 (busy)", statuses)
	}
	if statuses[http.StatusUnauthorized] == 0 {
		t.Error("no sign-in was checked at all")
	}
	if peak > 300*1024 {
		t.Errorf("peak RSS %d MB, want under 300 MB", peak/1024)
	}
	if health.failed > 0 || health.ok == 0 {
		t.Errorf("/healthz: %d ok, %d failed during the storm", health.ok, health.failed)
	}
}

// wantMode fails the test unless path has exactly the permission bits want.
func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Errorf("%s: %v", filepath.Base(path), err)
		return
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %#o, want %#o", filepath.Base(path), got, want)
	}
}

// The database, its WAL and shared-memory files, the keys and a backup hold personal
// data, password hashes and two-step secrets: each is readable by its owner only, in a
// folder only its owner can open, whatever the umask (here none at all). A database
// left world-readable by an earlier version is closed up when opened.
func TestDatabaseFilesPrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "awda.db")
	getenv := func(string) string { return "" }
	if err := run(ctx, []string{"migrate", "--db", path}, getenv, strings.NewReader(""), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	db, err := openDB(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stores := models.NewStores(db, time.Now, models.DefaultArgon2)
	key, err := sessionKey(getenv, db)
	if err != nil {
		t.Fatal(err)
	}
	if err := useTOTPKeys(ctx, getenv, key, stores, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	if _, err := stores.Offices.Create(ctx, models.Actor{}, models.OfficeInput{Code: "RAB", Name: "Rabat", City: "Rabat"}); err != nil {
		t.Fatal(err)
	}
	wantMode(t, dir, 0o700)
	for _, name := range []string{"awda.db", "awda.db-wal", "awda.db-shm", "session.key"} {
		wantMode(t, filepath.Join(dir, name), 0o600)
	}
	backup := filepath.Join(t.TempDir(), "backups", "awda-backup.db")
	if err := run(ctx, []string{"backup", "--db", path, backup}, getenv, strings.NewReader(""), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	wantMode(t, filepath.Dir(backup), 0o700)
	wantMode(t, backup, 0o600)

	// A database an earlier version left readable by all.
	db.Close()
	for _, name := range []string{"awda.db", "awda.db-wal", "awda.db-shm"} {
		os.Chmod(filepath.Join(dir, name), 0o644)
	}
	db2, err := openDB(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	for _, name := range []string{"awda.db", "awda.db-wal", "awda.db-shm"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			wantMode(t, filepath.Join(dir, name), 0o600)
		}
	}
}

// At start the server encrypts the two-step secrets an earlier version saved in clear
// (the migration has no key), and those under a key being replaced: AWDA_TOTP_KEY
// encrypts, AWDA_TOTP_OLD_KEYS still decrypt. A key too short is refused.
func TestServeEncryptsTOTPSecretsAtStart(t *testing.T) {
	ctx := t.Context()
	db, err := openDB(ctx, filepath.Join(t.TempDir(), "awda.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stores := models.NewStores(db, time.Now, models.DefaultArgon2)
	u, _, err := stores.Users.Create(ctx, models.Actor{}, models.UserInput{Email: "a@example.org", Name: "Admin", Role: models.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	const clear = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	db.Write.Model(&models.User{}).Where("id = ?", u.ID).Updates(map[string]any{"totp_secret": clear, "totp_enabled": true})
	stored := func() string {
		var s string
		db.Read.Model(&models.User{}).Where("id = ?", u.ID).Select("totp_secret").Scan(&s)
		return s
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	env := func(m map[string]string) env { return func(k string) string { return m[k] } }
	const first, second = "the first key of the two-step secrets", "the second key of the two-step secrets"
	if err := useTOTPKeys(ctx, env(map[string]string{"AWDA_TOTP_KEY": "short"}), []byte(testSessionKey), stores, quiet); err == nil {
		t.Fatal("a short AWDA_TOTP_KEY was accepted")
	}
	if err := useTOTPKeys(ctx, env(map[string]string{"AWDA_TOTP_KEY": first}), []byte(testSessionKey), stores, quiet); err != nil {
		t.Fatal(err)
	}
	firstKeys, _ := models.NewSecretKeys(first)
	if got, _, err := firstKeys.Open(u.ID, stored()); err != nil || got != clear || strings.Contains(stored(), clear) {
		t.Fatalf("after start: stored %q, opens to %q (%v)", stored(), got, err)
	}
	if err := useTOTPKeys(ctx, env(map[string]string{"AWDA_TOTP_KEY": second, "AWDA_TOTP_OLD_KEYS": " " + first + " ,"}),
		[]byte(testSessionKey), stores, quiet); err != nil {
		t.Fatal(err)
	}
	secondKeys, _ := models.NewSecretKeys(second)
	if got, _, err := secondKeys.Open(u.ID, stored()); err != nil || got != clear {
		t.Fatalf("after rotation: opens to %q (%v)", got, err)
	}
	// Without AWDA_TOTP_KEY the session key is the key.
	if err := useTOTPKeys(ctx, env(map[string]string{"AWDA_TOTP_OLD_KEYS": second}), []byte(testSessionKey), stores, quiet); err != nil {
		t.Fatal(err)
	}
	sessionKeys, _ := models.NewSecretKeys(testSessionKey)
	if got, _, err := sessionKeys.Open(u.ID, stored()); err != nil || got != clear {
		t.Fatalf("under the session key: opens to %q (%v)", got, err)
	}
}
