package load

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Scenarios is the default mix, an office's working day: mostly finding and reading
// case files, some registrations, workflow steps and support plans, the home page
// between tasks; supervisors also approve (cases and support) and read the summary.
// Add a scenario as one function and one line here.
var Scenarios = []Scenario{
	{Name: "home", Weight: 15, Run: Home},
	{Name: "search", Weight: 25, Run: SearchCases},
	{Name: "open-case", Weight: 30, Run: OpenCase},
	{Name: "register", Weight: 10, Run: RegisterCase},
	{Name: "move", Weight: 10, Run: MoveCase},
	{Name: "plan-support", Weight: 8, Run: PlanSupport},
	{Name: "approve", Weight: 10, Roles: []string{"supervisor"}, Run: ApproveCase},
	{Name: "approve-support", Weight: 10, Roles: []string{"supervisor"}, Run: ApproveSupport},
	{Name: "summary", Weight: 6, Roles: []string{"supervisor"}, Run: Summary},
	{Name: "account", Weight: 5, Run: Account},
	{Name: "language", Weight: 2, Run: Language},
}

// BrowseMix is pages and language switches only (the first load tool's mix).
var BrowseMix = []Scenario{
	{Name: "home", Weight: 50, Run: Home},
	{Name: "account", Weight: 30, Run: Account},
	{Name: "language", Weight: 20, Run: Language},
}

// WriteMix is the crash tests' mix: mostly writes, each acknowledged write checked
// after the restart.
var WriteMix = []Scenario{
	{Name: "home", Weight: 15, Run: Home},
	{Name: "language", Weight: 35, Run: Language},
	{Name: "password", Weight: 10, Run: Password},
	{Name: "signin-again", Weight: 15, Run: SignInAgain},
	{Name: "register", Weight: 25, Run: RegisterCase},
}

// Mixes are the mixes the load tool offers by name.
var Mixes = map[string][]Scenario{"office": Scenarios, "browse": BrowseMix, "writes": WriteMix}

// SignIn signs the session's user in: a write (a session row, a sign-in attempt).
func SignIn(ctx context.Context, s *Session) error {
	if _, err := s.Get(ctx, "GET /login", "/login", http.StatusOK); err != nil {
		return err
	}
	return s.Write("signin", "", func() error {
		form := url.Values{"email": {s.User.Email}, "password": {s.User.Password}}
		for range 10 {
			// A portal busy hashing other sign-ins answers 503 with Retry-After: the user
			// tries again a moment later, as a browser's user does. Those answers are
			// reported as their own route, not as errors.
			start := time.Now()
			r, err := s.C.Post(ctx, "/login", form)
			if err != nil || r.Status != http.StatusServiceUnavailable {
				r, err = Expect(r, err, "/login", http.StatusSeeOther)
				if err == nil && r.Location == "/login" {
					err = &ErrStatus{Path: "/login", Got: r.Status, Want: http.StatusSeeOther}
				}
				if err == nil || !isCancel(ctx, err) {
					s.run.observe("POST /login", time.Since(start), err)
				}
				return err
			}
			s.run.observe("POST /login (busy: 503, tried again)", time.Since(start), nil)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Second + time.Duration(s.Rand.IntN(1000))*time.Millisecond):
			}
		}
		return &ErrStatus{Path: "/login", Got: http.StatusServiceUnavailable, Want: http.StatusSeeOther}
	})
}

// SignInAgain signs out and in again.
func SignInAgain(ctx context.Context, s *Session) error {
	if _, err := s.Get(ctx, "GET /", "/", http.StatusOK); err != nil {
		return err
	}
	if _, err := s.Post(ctx, "POST /logout", "/logout", nil, http.StatusSeeOther); err != nil {
		return err
	}
	return SignIn(ctx, s)
}

// Home opens the home page.
func Home(ctx context.Context, s *Session) error {
	_, err := s.Get(ctx, "GET /", "/", http.StatusOK)
	return err
}

// Account opens the account page.
func Account(ctx context.Context, s *Session) error {
	_, err := s.Get(ctx, "GET /account", "/account", http.StatusOK)
	return err
}

// Summary opens the summary: mostly the default period (the latest year with data),
// sometimes one calendar year, or one year of the user's office.
func Summary(ctx context.Context, s *Session) error {
	year := time.Now().Year() - s.Rand.IntN(2)
	period := fmt.Sprintf("from=%d-01-01&to=%d-12-31", year, year)
	var err error
	switch s.Rand.IntN(4) {
	case 0:
		_, err = s.Get(ctx, "GET /summary?from=&to=", "/summary?"+period, http.StatusOK)
	case 1:
		_, err = s.Get(ctx, "GET /summary?office=", "/summary?office="+LoadOffice+"&"+period, http.StatusOK)
	default:
		_, err = s.Get(ctx, "GET /summary", "/summary", http.StatusOK)
	}
	return err
}

var languages = []string{"fr", "en", "ar"}

// Language switches the interface language from the account page's form.
func Language(ctx context.Context, s *Session) error {
	if _, err := s.Get(ctx, "GET /account", "/account", http.StatusOK); err != nil {
		return err
	}
	lang := languages[s.Rand.IntN(len(languages))]
	return s.Write("language", lang, func() error {
		_, err := s.Post(ctx, "POST /account/language", "/account/language",
			url.Values{"language": {lang}}, http.StatusSeeOther)
		return err
	})
}

// Password changes the user's password (the browser keeps a fresh session).
func Password(ctx context.Context, s *Session) error {
	if _, err := s.Get(ctx, "GET /account", "/account", http.StatusOK); err != nil {
		return err
	}
	next := "drifting harbour " + randomWord(s)
	err := s.Write("password", next, func() error {
		_, err := s.Post(ctx, "POST /account/password", "/account/password",
			url.Values{"current": {s.User.Password}, "password": {next}, "confirm": {next}}, http.StatusSeeOther)
		return err
	})
	if err == nil {
		s.User.Password = next
	}
	return err
}

func randomWord(s *Session) string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 10)
	for i := range b {
		b[i] = letters[s.Rand.IntN(len(letters))]
	}
	return string(b)
}
