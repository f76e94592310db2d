// Package load drives the portal over HTTP like a browser: a client with a cookie jar and
// the CSRF token of the last page, a weighted mix of scenarios run by many signed-in
// users, latency statistics per route, and checks of the database afterwards. The load
// tool (cmd/awdaload), the crash, multi-server and benchmark tests all use it.
package load

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// CheckLoopback refuses any target that is not on this machine: the load tool must never
// be pointed at someone else's server.
func CheckLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return fmt.Errorf("target %q: %w", base, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("target %q: want an http:// URL", base)
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	if host == "localhost" {
		ip = net.IPv4(127, 0, 0, 1)
	}
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("target %q refused: only 127.0.0.0/8 or ::1 may be loaded", base)
	}
	return nil
}

// Response is one answer, its body read.
type Response struct {
	Status   int
	Location string
	Body     string
}

// Client is one browser: cookies, no redirect following, the last page's CSRF token.
type Client struct {
	Base string
	HTTP *http.Client
	CSRF string
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

// NewClient makes a browser for a base URL. transport may be nil; clients that share
// one keep its connections pooled.
func NewClient(base string, transport http.RoundTripper) *Client {
	jar, _ := cookiejar.New(nil)
	if transport == nil {
		transport = http.DefaultTransport
	}
	return &Client{Base: strings.TrimRight(base, "/"), HTTP: &http.Client{
		Jar: jar, Transport: transport, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// WithBase is a browser sharing this one's cookies against another server (the same
// site behind a load balancer).
func (c *Client) WithBase(base string) *Client {
	return &Client{Base: strings.TrimRight(base, "/"), HTTP: c.HTTP, CSRF: c.CSRF}
}

func (c *Client) do(ctx context.Context, req *http.Request) (*Response, error) {
	resp, err := c.HTTP.Do(req.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	r := &Response{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(b)}
	if m := csrfRe.FindStringSubmatch(r.Body); m != nil {
		c.CSRF = html.UnescapeString(m[1])
	}
	return r, nil
}

// Get fetches a page.
func (c *Client) Get(ctx context.Context, path string) (*Response, error) {
	req, err := http.NewRequest(http.MethodGet, c.Base+path, nil)
	if err != nil {
		return nil, err
	}
	return c.do(ctx, req)
}

// Post sends a form with the CSRF token of the last page.
func (c *Client) Post(ctx context.Context, path string, form url.Values) (*Response, error) {
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("_csrf", c.CSRF)
	req, err := http.NewRequest(http.MethodPost, c.Base+path, strings.NewReader(f.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(ctx, req)
}

// ErrStatus is an answer with an unexpected status, or a redirect to an unexpected page.
type ErrStatus struct {
	Path      string
	Got, Want int
	// Location and WantLocation are the redirect's target and the one expected.
	Location, WantLocation string
}

func (e *ErrStatus) Error() string {
	if e.WantLocation != "" && e.Got == e.Want {
		return fmt.Sprintf("%s: redirected to %q, want %q", e.Path, e.Location, e.WantLocation)
	}
	return fmt.Sprintf("%s: status %d, want %d", e.Path, e.Got, e.Want)
}

// Expect turns a response with another status than want into an error.
func Expect(r *Response, err error, path string, want int) (*Response, error) {
	if err != nil {
		return r, err
	}
	if r.Status != want {
		return r, &ErrStatus{Path: path, Got: r.Status, Want: want}
	}
	return r, nil
}

// Login signs in (fetching the form first for its CSRF token) and expects the redirect.
func (c *Client) Login(ctx context.Context, email, password string) error {
	r, err := c.Get(ctx, "/login")
	if _, err := Expect(r, err, "/login", http.StatusOK); err != nil {
		return err
	}
	r, err = c.Post(ctx, "/login", url.Values{"email": {email}, "password": {password}})
	if _, err := Expect(r, err, "/login", http.StatusSeeOther); err != nil {
		return err
	}
	if r.Location == "/login" || strings.HasPrefix(r.Location, "/login?") {
		return errors.New("login redirected back to the sign-in form")
	}
	// The CSRF token is bound to the session and changed with it: the page signed in
	// to, as a browser follows the redirect, gives the new one.
	r, err = c.Get(ctx, r.Location)
	_, err = Expect(r, err, "after sign-in", http.StatusOK)
	return err
}
