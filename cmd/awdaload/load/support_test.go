package load

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"awda/handlers/handlerstest"
	"awda/models"
	"awda/models/dbtest"
)

// supportServer is a portal on a test database with the load's users (load000-003 and
// 005-008 caseworkers, load004 and load009 supervisors) and a few cases.
func supportServer(t *testing.T) (*httptest.Server, *models.Stores) {
	t.Helper()
	stores := dbtest.Stores(t, dbtest.NewClock(time.Now()))
	if _, err := EnsureUsers(t.Context(), stores, 10); err != nil {
		t.Fatal(err)
	}
	if err := EnsureCases(t.Context(), stores, 6); err != nil {
		t.Fatal(err)
	}
	srv := handlerstest.Serve(t, stores)
	return srv, stores
}

// signedIn is a session of load user i, signed in, recording into r; transport may be nil.
func signedIn(t *testing.T, r *runner, base string, i int, transport http.RoundTripper) *Session {
	t.Helper()
	role := "caseworker"
	if i%5 == 4 {
		role = "supervisor"
	}
	s := &Session{C: NewClient(base, transport), User: &User{Email: fmt.Sprintf("load%03d@load.test", i), Password: UserPassword, Role: role},
		Rand: rand.New(rand.NewPCG(uint64(i), 5)), run: r}
	if err := SignIn(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

func newRunner() *runner {
	return &runner{lat: map[string][]time.Duration{}, errs: map[string]int{}, nonce: "t"}
}

// hook runs before each request a client sends through it.
type hook func(req *http.Request)

func (h hook) RoundTrip(req *http.Request) (*http.Response, error) {
	h(req)
	return http.DefaultTransport.RoundTrip(req)
}

// approvalsPost rewrites the support_id values of a POST /approvals (after calling
// before with the ones the page chose).
func approvalsPost(before func(ids []string) []string) hook {
	return func(req *http.Request) {
		if req.Method != http.MethodPost || req.URL.Path != "/approvals" {
			return
		}
		b, _ := io.ReadAll(req.Body)
		form, _ := url.ParseQuery(string(b))
		form["support_id"] = before(form["support_id"])
		enc := form.Encode()
		req.Body, req.ContentLength = io.NopCloser(strings.NewReader(enc)), int64(len(enc))
	}
}

func acked(r *runner, kind string) (acked, sent int) {
	for _, w := range r.writes {
		if w.Kind == kind {
			sent++
			if w.Acked {
				acked++
			}
		}
	}
	return acked, sent
}

// Caseworkers plan support, a supervisor approves it from the queue but never their own,
// a refusal the page shows is caught, another supervisor approving first is no error,
// and the summary opens with and without filters; the checks find every acknowledged write.
func TestSupportScenarios(t *testing.T) {
	ctx := t.Context()
	srv, stores := supportServer(t)
	r := newRunner()
	cw := signedIn(t, r, srv.URL, 0, nil)
	sup := signedIn(t, r, srv.URL, 4, nil)

	for range 4 {
		if err := PlanSupport(ctx, cw); err != nil {
			t.Fatal(err)
		}
	}
	if err := PlanSupport(ctx, sup); err != nil {
		t.Fatal(err)
	}
	if a, n := acked(r, "support"); a != 5 || n != 5 {
		t.Fatalf("%d of %d support plans acknowledged, want 5 of 5", a, n)
	}
	var planned []models.Support
	stores.DB.Read.Where("status = ?", models.SupportPlanned).Order("id").Find(&planned)
	if len(planned) != 5 || planned[0].Amount <= 0 || !strings.Contains(planned[0].Description, " — LSt") {
		t.Fatalf("planned: %+v", planned)
	}

	// The supervisor approves until only their own plan is left, which they never pick.
	for range 10 {
		if err := ApproveSupport(ctx, sup); err != nil {
			t.Fatal(err)
		}
	}
	var left []models.Support
	stores.DB.Read.Where("status = ?", models.SupportPlanned).Find(&left)
	if a, n := acked(r, "support-approval"); a == 0 || a != n || len(left) != 1 || left[0].PlannedByID == planned[0].PlannedByID {
		t.Fatalf("%d of %d approvals acknowledged, still planned %+v", a, n, left)
	}
	before := len(r.writes)
	if err := ApproveSupport(ctx, sup); err != nil || len(r.writes) != before {
		t.Fatalf("own plan only: %v, %d writes, want a read only", err, len(r.writes)-before)
	}

	// Another supervisor approves the same lines between the page and the form: refused,
	// not acknowledged, not an error.
	for range 2 {
		if err := PlanSupport(ctx, cw); err != nil {
			t.Fatal(err)
		}
	}
	var winner models.User
	if err := stores.DB.Read.Where("email = ?", sup.User.Email).First(&winner).Error; err != nil {
		t.Fatal(err)
	}
	late := signedIn(t, r, srv.URL, 9, approvalsPost(func(ids []string) []string {
		var n []uint
		for _, id := range ids {
			v, _ := strconv.ParseUint(id, 10, 64)
			n = append(n, uint(v))
		}
		if _, err := stores.Support.ApproveMany(context.Background(), models.Actor{User: &winner}, winner.Scope(), n); err != nil {
			t.Error(err)
		}
		return ids
	}))
	before = len(r.writes)
	if err := ApproveSupport(ctx, late); err != nil {
		t.Fatalf("approved by another first: %v", err)
	}
	if w := r.writes[len(r.writes)-1]; len(r.writes) != before+1 || w.Kind != "support-approval" || w.Acked {
		t.Fatalf("approved by another first: writes %+v, want one not acknowledged", r.writes[before:])
	}

	// A refusal shown on the next page is an error of the route, and not acknowledged.
	if err := PlanSupport(ctx, cw); err != nil {
		t.Fatal(err)
	}
	refused := signedIn(t, r, srv.URL, 9, approvalsPost(func([]string) []string { return []string{"999999"} }))
	if err := ApproveSupport(ctx, refused); err == nil || !strings.Contains(err.Error(), "refused") || r.errs["POST /approvals"] != 1 {
		t.Fatalf("refused approval: %v, %d errors", err, r.errs["POST /approvals"])
	}
	if w := r.writes[len(r.writes)-1]; w.Acked {
		t.Fatalf("refused approval acknowledged: %+v", w)
	}
	delete(r.errs, "POST /approvals")

	for range 12 {
		if err := Summary(ctx, sup); err != nil {
			t.Fatal(err)
		}
	}
	for _, route := range []string{"POST /cases/:id/support", "GET /approvals", "POST /approvals", "GET /summary", "GET /summary?from=&to=", "GET /summary?office="} {
		if len(r.lat[route]) == 0 {
			t.Errorf("no request counted under %q", route)
		}
	}
	if len(r.errs) > 0 {
		t.Errorf("errors: %v %q", r.errs, r.samples)
	}
	if err := Verify(ctx, stores.DB, r.writes); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	r.result(time.Second).Report(&out)
	if !strings.Contains(out.String(), "support 8/8") || !strings.Contains(out.String(), "POST /cases/:id/support ") {
		t.Errorf("report:\n%s", out.String())
	}
}
