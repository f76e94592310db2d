package load

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// With a ramp, the users arrive evenly over it: user i signs in no sooner than i
// ramp/n after the start. Without one, they all start at once.
func TestRampSpreadsTheSignIns(t *testing.T) {
	for _, ramp := range []time.Duration{0, 600 * time.Millisecond} {
		t.Run(fmt.Sprint("ramp ", ramp), func(t *testing.T) {
			var mu sync.Mutex
			signIns := map[string]time.Time{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.URL.Path == "/login" && r.Method == http.MethodGet:
					fmt.Fprint(w, `<form><input name="_csrf" value="token"></form>`)
				case r.URL.Path == "/login":
					mu.Lock()
					signIns[r.FormValue("email")] = time.Now()
					mu.Unlock()
					http.Redirect(w, r, "/", http.StatusSeeOther)
				default:
					fmt.Fprint(w, "home")
				}
			}))
			defer srv.Close()
			const n = 4
			var users []User
			for i := range n {
				users = append(users, User{Email: fmt.Sprintf("u%d@load.test", i), Password: "p", Role: "caseworker"})
			}
			idle := Scenario{Name: "idle", Weight: 1, Run: func(ctx context.Context, s *Session) error {
				_, err := s.Get(ctx, "GET /", "/", http.StatusOK)
				time.Sleep(10 * time.Millisecond)
				return err
			}}
			start := time.Now()
			res, err := Run(t.Context(), Config{Base: srv.URL, Users: users, Duration: ramp + 200*time.Millisecond,
				Ramp: ramp, Scenarios: []Scenario{idle}, Transport: http.DefaultTransport})
			if err != nil {
				t.Fatal(err)
			}
			if res.Errors != 0 || len(signIns) != n {
				t.Fatalf("%d errors, %d sign-ins, want 0 and %d: %v", res.Errors, len(signIns), n, res.Samples)
			}
			for i, u := range users {
				at := signIns[u.Email].Sub(start)
				if earliest := ramp * time.Duration(i) / n; at < earliest {
					t.Errorf("user %d signed in %s after the start, before its arrival at %s", i, at, earliest)
				}
			}
		})
	}
}
