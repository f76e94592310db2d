package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

const (
	cookieName = "awda_session"
	langCookie = "awda_lang"
	stateKey   = "awda.state"
	// anonKey holds, in the cookie of a browser not signed in, the random id its CSRF
	// token is bound to until a session replaces it.
	anonKey = "anon"
)

// newCookieStore builds the signed and encrypted cookie that carries the session token
// (or a signed-out browser's anonymous id) and flashes. gorilla's defaults (HttpOnly
// off, no SameSite, 30 days) are all overridden. The cookie lasts as long as the
// browser: the server ends the session after IdleTimeout or AbsoluteTimeout whatever
// the cookie says, and a form left open over a weekend must still find the (expired)
// session it was rendered in, to be carried through the sign-in instead of refused as
// forged. The signed value itself is refused after 30 days (securecookie's MaxAge).
func newCookieStore(key []byte, secure bool) *sessions.CookieStore {
	cs := sessions.NewCookieStore(derivedKey(key, "cookie-hash"), derivedKey(key, "cookie-block"))
	cs.Options = &sessions.Options{
		Path:     "/",
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteLaxMode,
	}
	for _, codec := range cs.Codecs {
		if sc, ok := codec.(*securecookie.SecureCookie); ok {
			sc.SetSerializer(stringValues{})
		}
	}
	return cs
}

// stringValues serialises the cookie's values, all strings under string keys (the
// token, queued flashes), as a JSON object. gorilla's default, gob, sends its type
// descriptions in every cookie and decoded them on every request: a tenth of the case
// file's time. securecookie's own JSONEncoder cannot take the map[any]any sessions
// keep their values in.
type stringValues struct{}

func (stringValues) Serialize(src any) ([]byte, error) {
	values, ok := src.(map[any]any)
	if !ok {
		return nil, fmt.Errorf("cookie values: %T, want map[any]any", src)
	}
	out := make(map[string]string, len(values))
	for k, v := range values {
		key, kok := k.(string)
		val, vok := v.(string)
		if !kok || !vok {
			return nil, fmt.Errorf("cookie value %v: %T, only strings under string keys are kept", k, v)
		}
		out[key] = val
	}
	return json.Marshal(out)
}

func (stringValues) Deserialize(src []byte, dst any) error {
	values, ok := dst.(*map[any]any)
	if !ok {
		return fmt.Errorf("cookie values into %T, want *map[any]any", dst)
	}
	var in map[string]string
	if err := json.Unmarshal(src, &in); err != nil {
		return err
	}
	if *values == nil {
		*values = make(map[any]any, len(in))
	}
	for k, v := range in {
		(*values)[k] = v
	}
	return nil
}

// state is what the middleware learns about a request, reached through currentUser and
// friends rather than scattered c.Get calls.
type state struct {
	user    *models.User
	session *models.LoginSession
	token   string
	lang    string
}

func getState(c echo.Context) *state {
	if st, ok := c.Get(stateKey).(*state); ok {
		return st
	}
	st := &state{}
	c.Set(stateKey, st)
	return st
}

// currentUser is the signed-in user, or nil.
func currentUser(c echo.Context) *models.User { return getState(c).user }

// actor is who does something, for the audit log.
func actor(c echo.Context) models.Actor { return models.Actor{User: currentUser(c), IP: c.RealIP()} }

// cookieSession returns the request's cookie session (a new one if absent or tampered).
func (s *server) cookieSession(c echo.Context) *sessions.Session {
	sess, err := s.cookies.Get(c.Request(), cookieName)
	if err != nil {
		sess, _ = s.cookies.New(c.Request(), cookieName)
	}
	return sess
}

// loadSession finds the signed-in user from the cookie's token and picks the language.
func (s *server) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		st := getState(c)
		if !strings.HasPrefix(c.Request().URL.Path, "/static/") && c.Request().URL.Path != views.PathHealth {
			sess := s.cookieSession(c)
			if token, _ := sess.Values["token"].(string); token != "" {
				ls, err := s.stores.Sessions.Lookup(c.Request().Context(), token)
				switch {
				case err == nil:
					st.user, st.session, st.token = ls.User, ls, token
				case !errors.Is(err, models.ErrNotFound):
					return err
				}
			}
		}
		st.lang = s.pickLanguage(c, st.user)
		return next(c)
	}
}

// pickLanguage: the account's choice; else a ?lang= switch (kept in a cookie); else the
// cookie; else the browser's Accept-Language; else French.
func (s *server) pickLanguage(c echo.Context, u *models.User) string {
	if u != nil && models.ValidLanguage(u.Language) {
		return u.Language
	}
	if l := c.QueryParam("lang"); models.ValidLanguage(l) {
		c.SetCookie(&http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies})
		return l
	}
	if ck, err := c.Cookie(langCookie); err == nil && models.ValidLanguage(ck.Value) {
		return ck.Value
	}
	return views.MatchLanguage(c.Request().Header.Get("Accept-Language"))
}

// startSession signs a user in on this browser with a new token (never reusing one sent
// by the browser, so a planted cookie cannot be fixed), ending the browser's old session.
func (s *server) startSession(c echo.Context, u *models.User, mfaPending bool) error {
	ctx := c.Request().Context()
	sess := s.cookieSession(c)
	if old, _ := sess.Values["token"].(string); old != "" {
		if err := s.stores.Sessions.Revoke(ctx, old); err != nil {
			return err
		}
	}
	token, err := s.stores.Sessions.Create(ctx, u.ID, c.RealIP(), mfaPending)
	if err != nil {
		return err
	}
	sess.Values = map[any]any{"token": token}
	st := getState(c)
	st.user, st.token = u, token
	return sess.Save(c.Request(), c.Response())
}

// endSession signs the browser out: the token is revoked on the server and the cookie
// emptied.
func (s *server) endSession(c echo.Context) error {
	sess := s.cookieSession(c)
	if token, _ := sess.Values["token"].(string); token != "" {
		if err := s.stores.Sessions.Revoke(c.Request().Context(), token); err != nil {
			return err
		}
	}
	sess.Values = map[any]any{}
	st := getState(c)
	st.user, st.session, st.token = nil, nil, ""
	return sess.Save(c.Request(), c.Response())
}

// flash queues a message for the next page.
func (s *server) flash(c echo.Context, kind, key string, args ...any) {
	sess := s.cookieSession(c)
	var list []views.Flash
	if raw, ok := sess.Values["flash"].(string); ok {
		_ = json.Unmarshal([]byte(raw), &list)
	}
	list = append(list, views.Flash{Kind: kind, Key: key, Args: args})
	b, _ := json.Marshal(list)
	sess.Values["flash"] = string(b)
	_ = sess.Save(c.Request(), c.Response())
}

// takeFlashes returns and clears the queued messages.
func (s *server) takeFlashes(c echo.Context) []views.Flash {
	sess := s.cookieSession(c)
	raw, ok := sess.Values["flash"].(string)
	if !ok {
		return nil
	}
	var list []views.Flash
	_ = json.Unmarshal([]byte(raw), &list)
	delete(sess.Values, "flash")
	_ = sess.Save(c.Request(), c.Response())
	return list
}

// csrfBinding is what the browser's CSRF token is bound to: the session token its cookie
// carries (live or expired), or else the anonymous id of a browser not signed in; ""
// for a browser with neither.
func (s *server) csrfBinding(c echo.Context) string {
	sess := s.cookieSession(c)
	if token, _ := sess.Values["token"].(string); token != "" {
		return "session:" + token
	}
	if anon, _ := sess.Values[anonKey].(string); anon != "" {
		return "anon:" + anon
	}
	return ""
}

// csrfFor is the token of a binding: an HMAC of it under a key derived from the session
// key. Only the server can make it, it changes with the session (a new one at each
// sign-in), and neither the database nor the token reveals the session token.
func (s *server) csrfFor(binding string) string {
	mac := hmac.New(sha256.New, derivedKey(s.cfg.SessionKey, "csrf"))
	mac.Write([]byte(binding))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// csrfToken is the token for this browser's forms. A browser not signed in gets an
// anonymous id in its cookie first, so that the sign-in form is protected too.
func (s *server) csrfToken(c echo.Context) string {
	binding := s.csrfBinding(c)
	if binding == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return ""
		}
		sess := s.cookieSession(c)
		sess.Values[anonKey] = hex.EncodeToString(b)
		if err := sess.Save(c.Request(), c.Response()); err != nil {
			return ""
		}
		binding = s.csrfBinding(c)
	}
	return s.csrfFor(binding)
}

// checkCSRF refuses (403) an unsafe request from another origin, or without the token of
// this browser's session. The token is read from the X-CSRF-Token header or the form
// body's _csrf field, never from the query string (which ends up in logs and Referer
// headers). The origin: a browser's Sec-Fetch-Site must say same-origin (or none, the
// user's own doing); without it (older browsers), an Origin header must name this host.
// A form sent after its session expired passes (its token is bound to the expired
// session, which the cookie still names), and is carried through the sign-in.
func (s *server) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
			return next(c)
		}
		if !s.sameOrigin(r) {
			return echo.NewHTTPError(http.StatusForbidden, "cross-origin request")
		}
		sent := r.Header.Get("X-CSRF-Token")
		if sent == "" {
			sent = r.PostFormValue("_csrf")
		}
		binding := s.csrfBinding(c)
		if sent == "" || binding == "" || !hmac.Equal([]byte(sent), []byte(s.csrfFor(binding))) {
			return echo.NewHTTPError(http.StatusForbidden, "invalid CSRF token")
		}
		return next(c)
	}
}

// sameOrigin reports whether an unsafe request may come from this site's own pages.
func (s *server) sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
	default: // same-site (a sibling host) and cross-site
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		// No fetch metadata and no Origin: an old browser or a program; the token decides.
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
		return false
	}
	return u.Scheme == "https" || (u.Scheme == "http" && !s.cfg.SecureCookies)
}

// redirect answers a successful form with 303 See Other.
func redirect(c echo.Context, to string) error { return c.Redirect(http.StatusSeeOther, to) }

// localPath accepts only a path on this site, so ?next= cannot send users elsewhere.
func localPath(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return ""
	}
	return next
}
