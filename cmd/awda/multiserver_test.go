package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"awda/cmd/awdaload/load"
	"awda/models"
	"awda/models/dbtest"
)

// Two servers on one PostgreSQL database behave as one portal behind a load balancer.
func TestTwoServersOnePostgres(t *testing.T) {
	if dbtest.Backend() != "postgres" {
		t.Skip("several application servers need PostgreSQL: run with AWDA_TEST_DB=postgres")
	}
	dsn := dbtest.DSN(t)

	// Both start at the same moment on an empty schema: one migrates while the other
	// waits on the advisory lock; exactly one creates the first administrator.
	a, b := launchServe(t, dsn, nil), launchServe(t, dsn, nil)
	var wg sync.WaitGroup
	for _, p := range []*inProcess{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); p.wait(t) }()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if n := strings.Count(a.Out.String()+b.Out.String(), "one-time password"); n != 1 {
		t.Errorf("%d servers printed a first administrator, want 1", n)
	}
	stores := openStores(t, dsn)
	var migrations int64
	stores.DB.Read.Raw("SELECT count(*) FROM schema_migrations").Scan(&migrations)
	if migrations == 0 {
		t.Fatal("no migration recorded")
	}

	ctx := t.Context()
	dbtest.MustOffice(t, stores, "RAB", "Rabat")
	newUser := func(email string) *models.User {
		return dbtest.MustUser(t, stores, email, models.RoleCaseworker, "RAB", "a long test passphrase")
	}
	// signedInOnA signs in on server A; the same browser (cookies) then talks to B.
	signedInOnA := func(email string) (*load.Client, *load.Client) {
		t.Helper()
		onA := load.NewClient(a.URL, nil)
		if err := onA.Login(ctx, email, "a long test passphrase"); err != nil {
			t.Fatalf("sign in on A: %v", err)
		}
		return onA, onA.WithBase(b.URL)
	}
	status := func(c *load.Client, path string) int {
		t.Helper()
		r, err := c.Get(ctx, path)
		if err != nil {
			t.Fatalf("GET %s%s: %v", c.Base, path, err)
		}
		return r.Status
	}

	t.Run("a session started on one is valid on the other", func(t *testing.T) {
		newUser("both@example.org")
		onA, onB := signedInOnA("both@example.org")
		if got := status(onB, "/account"); got != http.StatusOK {
			t.Fatalf("account on B: %d, want 200", got)
		}
		// A form rendered by B is accepted by A (CSRF and session cookies are shared).
		onA.CSRF = onB.CSRF
		r, err := onA.Post(ctx, "/account/language", url.Values{"language": {"en"}})
		if err != nil || r.Status != http.StatusSeeOther {
			t.Fatalf("language via A with B's form: %v %v", r, err)
		}
	})

	t.Run("a logout on one ends the session on the other", func(t *testing.T) {
		newUser("logout@example.org")
		onA, onB := signedInOnA("logout@example.org")
		stolen := load.NewClient(b.URL, nil) // a copy of the cookie, kept elsewhere
		u, _ := url.Parse(a.URL)
		stolen.HTTP.Jar.SetCookies(u, onA.HTTP.Jar.Cookies(u))
		if got := status(stolen, "/"); got != http.StatusOK {
			t.Fatalf("copied cookie on B before logout: %d", got)
		}
		status(onA, "/")
		if r, err := onA.Post(ctx, "/logout", nil); err != nil || r.Status != http.StatusSeeOther {
			t.Fatalf("logout on A: %v %v", r, err)
		}
		if got := status(stolen, "/"); got != http.StatusSeeOther {
			t.Errorf("copied cookie on B after logout on A: %d, want 303 to the sign-in", got)
		}
		if got := status(onB, "/"); got != http.StatusSeeOther {
			t.Errorf("browser on B after logout on A: %d, want 303", got)
		}
	})

	t.Run("a password change on one ends other sessions on the other", func(t *testing.T) {
		newUser("pw@example.org")
		_, otherOnB := signedInOnA("pw@example.org")
		onA, onB := signedInOnA("pw@example.org") // a second browser
		status(onA, "/account")
		r, err := onA.Post(ctx, "/account/password", url.Values{"current": {"a long test passphrase"},
			"password": {"another long passphrase"}, "confirm": {"another long passphrase"}})
		if err != nil || r.Status != http.StatusSeeOther {
			t.Fatalf("password change on A: %v %v", r, err)
		}
		if got := status(otherOnB, "/"); got != http.StatusSeeOther {
			t.Errorf("the other browser on B after a password change on A: %d, want 303", got)
		}
		if got := status(onB, "/"); got != http.StatusOK {
			t.Errorf("the changing browser on B: %d, want 200 (it got a fresh session)", got)
		}
	})

	t.Run("a deactivation ends the session on both", func(t *testing.T) {
		u := newUser("gone@example.org")
		onA, onB := signedInOnA("gone@example.org")
		// The administration pages deactivate through their store; the
		// session check only reads users.active, which is what this sets.
		if err := stores.DB.Write.WithContext(context.Background()).Exec(
			"UPDATE users SET active = ? WHERE id = ?", false, u.ID).Error; err != nil {
			t.Fatal(err)
		}
		if got := status(onA, "/"); got != http.StatusSeeOther {
			t.Errorf("deactivated user on A: %d, want 303", got)
		}
		if got := status(onB, "/"); got != http.StatusSeeOther {
			t.Errorf("deactivated user on B: %d, want 303", got)
		}
	})

	t.Run("concurrent registrations through both never share a case number", func(t *testing.T) {
		const users, each = 6, 8
		var wg sync.WaitGroup
		var mu sync.Mutex
		numbers := map[string]string{}
		for i := range users {
			email := fmt.Sprintf("reg%d@example.org", i)
			newUser(email)
			onA, onB := signedInOnA(email)
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := &load.Session{Rand: rand.New(rand.NewPCG(uint64(i), 3))}
				for j := range each {
					c := onA
					if (i+j)%2 == 1 {
						c = onB
					}
					if r, err := c.Get(ctx, "/cases/new"); err != nil || r.Status != http.StatusOK {
						t.Errorf("%s: registration form: %v %v", c.Base, r, err)
						return
					}
					marker := fmt.Sprintf("TWO-%d-%d", i, j)
					r, err := c.Post(ctx, "/cases", load.CaseForm(s, marker))
					if err != nil || r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/cases/") {
						t.Errorf("%s: registration: %v %v", c.Base, r, err)
						return
					}
					var number string
					if err := stores.DB.Read.Raw("SELECT case_number FROM cases WHERE id_doc_number = ?", marker).Scan(&number).Error; err != nil || number == "" {
						t.Errorf("registration %s acknowledged but not found: %v", marker, err)
						return
					}
					mu.Lock()
					if other, dup := numbers[number]; dup {
						t.Errorf("case number %s given to %s and %s", number, other, marker)
					}
					numbers[number] = marker
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(numbers) != users*each {
			t.Fatalf("%d distinct case numbers for %d registrations", len(numbers), users*each)
		}
		// The numbers run without a gap: RAB-<year>-00001 to RAB-<year>-000NN.
		year := time.Now().UTC().Year()
		for n := 1; n <= users*each; n++ {
			if _, ok := numbers[fmt.Sprintf("RAB-%d-%05d", year, n)]; !ok {
				t.Errorf("RAB-%d-%05d was never given", year, n)
			}
		}
		if err := load.Verify(ctx, stores.DB, nil); err != nil {
			t.Error(err)
		}
	})
}
