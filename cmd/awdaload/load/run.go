package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// User is an account the load signs in as.
type User struct {
	Email, Password, Role string
}

// Write is a change the load asked for. Acked means the server acknowledged it (a
// redirect after a form): it must then be in the database, even after a crash. A write
// sent but not acknowledged may or may not be there.
type Write struct {
	Kind  string // a key of Checks
	User  string
	Value string
	Acked bool
}

// Session is one signed-in user running scenarios one after another.
type Session struct {
	C    *Client
	User *User
	Rand *rand.Rand
	// Own are the cases this user registered in the run, which it moves along the
	// workflow (no one else moves them, so its moves never conflict).
	Own []uint
	seq int
	run *runner
}

// Get fetches a page, timed and counted under route; a status other than want is an error.
func (s *Session) Get(ctx context.Context, route, path string, want int) (*Response, error) {
	start := time.Now()
	r, err := s.C.Get(ctx, path)
	r, err = Expect(r, err, path, want)
	if err == nil || !isCancel(ctx, err) {
		s.run.observe(route, time.Since(start), err)
	}
	return r, err
}

// Post sends a form with the page's CSRF token, timed and counted under route.
func (s *Session) Post(ctx context.Context, route, path string, form url.Values, want int) (*Response, error) {
	start := time.Now()
	r, err := s.C.Post(ctx, path, form)
	r, err = Expect(r, err, path, want)
	if err == nil || !isCancel(ctx, err) {
		s.run.observe(route, time.Since(start), err)
	}
	return r, err
}

// PostRedirect sends a form and expects its redirect (303) to location: a redirect
// elsewhere (the form refused with a message, or the sign-in page) is an error of the route.
func (s *Session) PostRedirect(ctx context.Context, route, path string, form url.Values, location string) (*Response, error) {
	start := time.Now()
	r, err := s.C.Post(ctx, path, form)
	r, err = Expect(r, err, path, http.StatusSeeOther)
	if err == nil && r.Location != location {
		err = &ErrStatus{Path: path, Got: r.Status, Want: http.StatusSeeOther, Location: r.Location, WantLocation: location}
	}
	if err == nil || !isCancel(ctx, err) {
		s.run.observe(route, time.Since(start), err)
	}
	return r, err
}

// Fail counts a failure that the answers' statuses did not show (a refusal found on the
// next page) as an error of route.
func (s *Session) Fail(route string, err error) {
	s.run.fail(route, err)
}

// token is a marker unique to this run, user and write, to find the write in the
// database afterwards (a database reused by another run holds other markers).
func (s *Session) token(prefix string) string {
	s.seq++
	nonce := ""
	if s.run != nil {
		nonce = s.run.nonce
	}
	return fmt.Sprintf("%s%s%s%d", prefix, nonce, strings.SplitN(s.User.Email, "@", 2)[0], s.seq)
}

// Write runs send, a request that changes something: the write is recorded as sent
// before, and as acknowledged when send succeeds.
func (s *Session) Write(kind, value string, send func() error) error {
	i := s.run.record(Write{Kind: kind, User: s.User.Email, Value: value})
	err := send()
	if err == nil {
		s.run.ack(i)
	}
	return err
}

// Scenario is one thing a user does (one or more requests). New scenarios are one
// function each, added to Scenarios.
type Scenario struct {
	Name   string
	Weight int
	// Roles that run it; empty means every role.
	Roles []string
	Run   func(ctx context.Context, s *Session) error
}

// Config is one load run.
type Config struct {
	Base  string
	Users []User
	// Duration and MaxRequests bound the run (MaxRequests 0: only the duration), once
	// every user ran each scenario of its mix (see Run).
	Duration    time.Duration
	MaxRequests int64
	// Ramp spreads the users' arrivals evenly over its length from the start, as an
	// office's staff arrive over the morning (0: all at once, a storm of sign-ins
	// that the portal's hash limiter turns partly away as busy).
	Ramp      time.Duration
	Scenarios []Scenario
	Seed      uint64
	// Transport is shared by all users (nil: a pooled transport of its own).
	Transport http.RoundTripper
	// KeepGoing tolerates transport errors (the crash tests kill the server mid-run).
	KeepGoing bool
	// OnAck, when set, is called with each write the server acknowledges, as it is: the
	// crash test kills the server once enough have been, rather than after a guessed time.
	OnAck func(Write)
}

// RouteStats are the figures of one route.
type RouteStats struct {
	Route         string
	Count, Errors int
	P50, P95, P99 time.Duration
	Max           time.Duration
}

// Result is what a run measured.
type Result struct {
	Elapsed  time.Duration
	Requests int
	Errors   int
	Routes   []RouteStats
	Writes   []Write
	// Samples holds the first error messages, for the report.
	Samples []string
}

// Throughput is requests per second over the run.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Report writes the figures as a table.
func (r *Result) Report(w io.Writer) {
	fmt.Fprintf(w, "%d requests in %s: %.1f req/s, %d errors\n", r.Requests, r.Elapsed.Round(time.Millisecond), r.Throughput(), r.Errors)
	width := len("route")
	for _, s := range r.Routes {
		width = max(width, len(s.Route))
	}
	fmt.Fprintf(w, "%-*s %8s %7s %9s %9s %9s %9s\n", width, "route", "count", "errors", "p50", "p95", "p99", "max")
	for _, s := range r.Routes {
		fmt.Fprintf(w, "%-*s %8d %7d %9s %9s %9s %9s\n", width, s.Route, s.Count, s.Errors,
			ms(s.P50), ms(s.P95), ms(s.P99), ms(s.Max))
	}
	acked := 0
	sent, ackedBy := map[string]int{}, map[string]int{}
	for _, wr := range r.Writes {
		sent[wr.Kind]++
		if wr.Acked {
			acked++
			ackedBy[wr.Kind]++
		}
	}
	var kinds []string
	for k := range sent {
		kinds = append(kinds, k+" "+strconv.Itoa(ackedBy[k])+"/"+strconv.Itoa(sent[k]))
	}
	sort.Strings(kinds)
	fmt.Fprintf(w, "writes: %d sent, %d acknowledged", len(r.Writes), acked)
	if len(kinds) > 0 {
		fmt.Fprintf(w, " (acknowledged/sent: %s)", strings.Join(kinds, ", "))
	}
	fmt.Fprintln(w)
	for _, s := range r.Samples {
		fmt.Fprintln(w, "error:", s)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

type runner struct {
	cfg      Config
	mu       sync.Mutex
	lat      map[string][]time.Duration
	errs     map[string]int
	samples  []string
	writes   []Write
	requests int64
	stopAt   time.Time
	// nonce sets this run's markers apart from those of earlier runs on the same database.
	nonce string
}

func (r *runner) observe(route string, d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	r.lat[route] = append(r.lat[route], d)
	if err != nil {
		r.errs[route]++
		if len(r.samples) < 10 {
			r.samples = append(r.samples, route+": "+err.Error())
		}
	}
}

func (r *runner) fail(route string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs[route]++
	if len(r.samples) < 10 {
		r.samples = append(r.samples, route+": "+err.Error())
	}
}

func (r *runner) record(w Write) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, w)
	return len(r.writes) - 1
}

func (r *runner) ack(i int) {
	r.mu.Lock()
	r.writes[i].Acked = true
	w := r.writes[i]
	r.mu.Unlock()
	if r.cfg.OnAck != nil {
		r.cfg.OnAck(w)
	}
}

func (r *runner) exhausted() bool {
	if time.Now().After(r.stopAt) {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cfg.MaxRequests > 0 && r.requests >= r.cfg.MaxRequests
}

// Run signs every user in, then each runs every scenario of its mix once (even if that
// takes longer than the duration) and then weighted scenarios until the duration or
// the request budget is spent.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := CheckLoopback(cfg.Base); err != nil {
		return nil, err
	}
	if len(cfg.Users) == 0 {
		return nil, errors.New("no users to sign in as")
	}
	if cfg.Duration <= 0 {
		return nil, errors.New("the duration must be positive")
	}
	if cfg.Scenarios == nil {
		cfg.Scenarios = Scenarios
	}
	transport := func(int) http.RoundTripper { return cfg.Transport }
	if cfg.Transport == nil {
		shared := &http.Transport{MaxIdleConnsPerHost: len(cfg.Users) + 1, MaxIdleConns: len(cfg.Users) + 1}
		transport = func(int) http.RoundTripper { return shared }
		if u, err := url.Parse(cfg.Base); err == nil && u.Hostname() == "127.0.0.1" {
			// Each user comes from an address of its own, as people at their own
			// desks do: from one address, fifty sign-ins at once are (rightly)
			// throttled by the portal as an attack on its passwords.
			transport = func(i int) http.RoundTripper {
				d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, byte(1+(i+1)/250), byte(1+(i+1)%250))}, Timeout: 10 * time.Second}
				return &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 2}
			}
		}
	}
	// At the end of the duration no new scenario starts, but the requests under way
	// finish: cancelling them would turn them into errors on both sides.
	r := &runner{cfg: cfg, lat: map[string][]time.Duration{}, errs: map[string]int{},
		stopAt: time.Now().Add(cfg.Duration), nonce: strconv.FormatInt(time.Now().UnixMilli(), 36)}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range cfg.Users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-ctx.Done():
				return
			case <-time.After(cfg.Ramp * time.Duration(i) / time.Duration(len(cfg.Users))):
			}
			u := &cfg.Users[i]
			s := &Session{C: NewClient(cfg.Base, transport(i)), User: u, run: r,
				Rand: rand.New(rand.NewPCG(cfg.Seed, uint64(i)))}
			r.user(ctx, s)
		}()
	}
	wg.Wait()
	return r.result(time.Since(start)), nil
}

// user is one user's loop: sign in, then scenarios until the end.
func (r *runner) user(ctx context.Context, s *Session) {
	signedIn := false
	var mix []Scenario
	total := 0
	for _, sc := range r.cfg.Scenarios {
		if sc.Weight > 0 && (len(sc.Roles) == 0 || slices.Contains(sc.Roles, s.User.Role)) {
			mix = append(mix, sc)
			total += sc.Weight
		}
	}
	if total == 0 {
		return
	}
	// Each scenario of the mix runs once first, in an order of the user's own, even past
	// the duration or the request budget, so that a short run on a slow machine still
	// covers the whole mix; then the weights choose. Not when the server may be down
	// (KeepGoing): a round could then take forever.
	first := s.Rand.Perm(len(mix))
	for ctx.Err() == nil && (!r.exhausted() || len(first) > 0 && !r.cfg.KeepGoing) {
		if !signedIn {
			if err := SignIn(ctx, s); err != nil {
				if !r.cfg.KeepGoing || ctx.Err() != nil {
					return
				}
				time.Sleep(20 * time.Millisecond)
				continue
			}
			signedIn = true
			continue
		}
		var sc Scenario
		if len(first) > 0 {
			sc, first = mix[first[0]], first[1:]
		} else {
			n := s.Rand.IntN(total)
			for _, sc = range mix {
				if n -= sc.Weight; n < 0 {
					break
				}
			}
		}
		err := sc.Run(ctx, s)
		var es *ErrStatus
		if errors.As(err, &es) && es.Got == http.StatusSeeOther {
			signedIn = false // the session ended (for example a restart lost it): sign in again
		}
		if err != nil && r.cfg.KeepGoing {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// result computes percentiles per route, errors from a cancelled run excluded.
func (r *runner) result(elapsed time.Duration) *Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := &Result{Elapsed: elapsed, Writes: slices.Clone(r.writes), Samples: r.samples}
	var routes []string
	for k := range r.lat {
		routes = append(routes, k)
	}
	sort.Strings(routes)
	for _, k := range routes {
		l := slices.Clone(r.lat[k])
		slices.Sort(l)
		st := RouteStats{Route: k, Count: len(l), Errors: r.errs[k],
			P50: pct(l, 50), P95: pct(l, 95), P99: pct(l, 99), Max: l[len(l)-1]}
		res.Routes = append(res.Routes, st)
		res.Requests += st.Count
		res.Errors += st.Errors
	}
	return res
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	if i < 1 {
		i = 1
	}
	return sorted[i-1]
}

// isCancel reports an error caused by the end of the run rather than by the server.
func isCancel(ctx context.Context, err error) bool {
	return ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		strings.Contains(err.Error(), "context deadline exceeded") || strings.Contains(err.Error(), "context canceled"))
}
