package e2e

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"awda/models"
)

// Two-step sign-in: administrators must enrol an authenticator before anything else,
// and whoever has enrolled gives a one-time code after the password. TestMain enrols
// every administrator account over plain HTTP (enrolAdmins) and keeps its secret and
// recovery codes here; logins then answer /login/totp with secondFactor.
var mfa = struct {
	sync.Mutex
	secret   map[string]string   // account key → TOTP secret
	recovery map[string][]string // account key → its unused recovery codes
	lastStep map[string]int64    // account key → the last 30-s step whose code was used
}{secret: map[string]string{}, recovery: map[string][]string{}, lastStep: map[string]int64{}}

const totpStep = 30

// unenrolled are the administrator accounts that TestMain leaves without two-step
// sign-in, for the checks of the forced enrolment.
var unenrolled = map[string]bool{"enrol-admin": true, "enrol-admin-ar": true}

// hasSecondFactor reports whether an account signs in with two steps.
func hasSecondFactor(who string) bool {
	mfa.Lock()
	defer mfa.Unlock()
	return mfa.secret[who] != ""
}

// secondFactor is a code that the portal accepts now for an account: this step's TOTP
// code when no sign-in of the account used it yet (and the step is not about to end),
// otherwise one of its unused recovery codes. It never waits for the next step.
func secondFactor(who string) (string, error) {
	mfa.Lock()
	defer mfa.Unlock()
	secret := mfa.secret[who]
	if secret == "" {
		return "", fmt.Errorf("%s has no second factor", who)
	}
	now := time.Now()
	step := now.Unix() / totpStep
	// Two seconds of margin: the portal must see the code within the same step (no skew).
	if step > mfa.lastStep[who] && now.Unix()%totpStep < totpStep-2 {
		code, err := models.TOTPCode(secret, now)
		if err != nil {
			return "", err
		}
		mfa.lastStep[who] = step
		return code, nil
	}
	codes := mfa.recovery[who]
	if len(codes) == 0 {
		return "", fmt.Errorf("%s: no recovery code left (too many sign-ins within 30 s)", who)
	}
	mfa.recovery[who] = codes[1:]
	return codes[0], nil
}

var (
	totpSecretRE   = regexp.MustCompile(`data-testid="totp-secret"[^>]*>([A-Z2-7]+)<`)
	recoveryCodeRE = regexp.MustCompile(`data-testid="recovery-code"[^>]*>([a-z2-7-]+)<`)
)

// enrolAdmins turns two-step sign-in on for every administrator account, as an
// administrator would on their first sign-in: the password, then the enrolment page,
// its secret typed into an authenticator, and a first code to confirm.
func enrolAdmins() error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for who, a := range accounts {
		if a.Role != "admin" || unenrolled[who] {
			continue
		}
		wg.Go(func() {
			if err := enrol(who); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("enrol %s: %w", who, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func enrol(who string) error {
	p, err := signIn(who) // before enrolment: the password alone
	if err != nil {
		return err
	}
	st, body, err := p.getBody("/")
	if err != nil {
		return err
	}
	if st != http.StatusSeeOther {
		return fmt.Errorf("an administrator without two-step sign-in reached the home page (%d)", st)
	}
	st, body, err = p.getBody("/account/totp")
	if err != nil {
		return err
	}
	m := totpSecretRE.FindStringSubmatch(body)
	if m == nil {
		return fmt.Errorf("GET /account/totp: %d, no secret shown", st)
	}
	now := time.Now()
	if now.Unix()%totpStep >= totpStep-2 { // too close to the next step: take the next one
		time.Sleep(3 * time.Second)
		now = time.Now()
	}
	code, err := models.TOTPCode(m[1], now)
	if err != nil {
		return err
	}
	st, body, err = p.postBody("/account/totp", "/account/totp", url.Values{"action": {"enable"}, "code": {code}})
	if err != nil {
		return err
	}
	var codes []string
	for _, c := range recoveryCodeRE.FindAllStringSubmatch(body, -1) {
		codes = append(codes, c[1])
	}
	if st != http.StatusOK || len(codes) != models.RecoveryCodeCount {
		return fmt.Errorf("confirm the code: %d, %d recovery codes shown", st, len(codes))
	}
	mfa.Lock()
	mfa.secret[who], mfa.recovery[who], mfa.lastStep[who] = m[1], codes, now.Unix()/totpStep
	mfa.Unlock()
	return nil
}

// getBody gets a path (without following a redirect) and returns its status and body.
func (p *portal) getBody(path string) (int, string, error) {
	resp, err := p.c.Get(baseURL + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// postBody is post, returning the body of the answer instead of where it redirects.
func (p *portal) postBody(formPage, path string, form url.Values) (int, string, error) {
	st, body, err := p.getBody(formPage)
	if err != nil {
		return 0, "", err
	}
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		return 0, "", fmt.Errorf("GET %s: %d, no CSRF token", formPage, st)
	}
	f := url.Values{"_csrf": {m[1]}}
	for k, v := range form {
		f[k] = v
	}
	resp, err := p.c.PostForm(baseURL+path, f)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// finishSignIn answers the second step of an HTTP sign-in that the password sent to
// loc, and returns where the portal sends the browser next.
func (p *portal) finishSignIn(who, loc string) (string, error) {
	if !strings.HasPrefix(loc, "/login/totp") {
		return loc, nil
	}
	code, err := secondFactor(who)
	if err != nil {
		return "", err
	}
	st, next, err := p.post(loc, "/login/totp", url.Values{"code": {code}})
	if err != nil {
		return "", err
	}
	if st != http.StatusSeeOther {
		return "", fmt.Errorf("second step as %s: status %d", who, st)
	}
	return next, nil
}

// totpCodeNow is the code of a secret for now, taking the next step when this one is
// about to end.
func totpCodeNow(secret string) (string, error) {
	if time.Now().Unix()%totpStep >= totpStep-2 {
		time.Sleep(3 * time.Second)
	}
	return models.TOTPCode(secret, time.Now())
}
