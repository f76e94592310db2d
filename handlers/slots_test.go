package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"awda/models"
	"awda/models/dbtest"
	"awda/views"
)

// While every work slot is taken, pages and forms wait in line for one: served once one
// frees, answered 503 (try again) at their deadline. What must not queue behind them,
// or is bounded by slots of its own, is served at once: the page's files, the health
// probe, the summaries and the sign-in.
func TestPagesAndFormsWaitForAWorkSlot(t *testing.T) {
	a := newTestApp(t)
	cw, _ := a.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	sup, _ := a.signedIn("sup@example.org", models.RoleSupervisor, "")
	a.user("late@example.org", models.RoleCaseworker, "RAB")
	arriving := a.client()
	arriving.get(views.PathLogin)
	cw.get(views.PathAccount) // the form's CSRF token
	if want := defaultWorkSlots(a.stores.DB.Dialect); cap(a.srv.work) != want {
		t.Fatalf("%d work slots, want %d", cap(a.srv.work), want)
	}
	for range cap(a.srv.work) {
		a.srv.work <- struct{}{}
	}

	for _, tc := range []struct {
		name string
		send func() *page
		want int
	}{
		{"a page's style sheet", func() *page { return cw.get(a.srv.assets.URL("css/app.css")) }, http.StatusOK},
		{"the health probe", func() *page { return cw.get(views.PathHealth) }, http.StatusOK},
		{"the summary", func() *page { return sup.get(views.PathSummary) }, http.StatusOK},
		{"a sign-in", func() *page {
			return arriving.post(views.PathLogin, url.Values{"email": {"late@example.org"}, "password": {testPassword}})
		}, http.StatusSeeOther},
	} {
		if p := tc.send(); p.StatusCode != tc.want {
			t.Errorf("%s while every work slot is taken: %d, want %d", tc.name, p.StatusCode, tc.want)
		}
	}

	// A page and a form, each in line until a slot frees, then served in turn.
	page, _ := http.NewRequest(http.MethodGet, a.http.URL+views.PathCases, nil)
	form, _ := http.NewRequest(http.MethodPost, a.http.URL+views.PathLanguage,
		strings.NewReader(url.Values{"language": {"en"}, "_csrf": {cw.csrf}}.Encode()))
	form.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, r := range []*http.Request{page, form} {
		if code := servedOnceASlotFrees(t, a.srv.work, cw.http, r); code != http.StatusOK && code != http.StatusSeeOther {
			t.Fatalf("%s %s, once a slot freed: %d", r.Method, r.URL.Path, code)
		}
	}
	var lang string
	if err := a.stores.DB.Read.Model(&models.User{}).Where("email = ?", "cw@example.org").Pluck("language", &lang).Error; err != nil || lang != "en" {
		t.Fatalf("the form that waited for its slot was not saved: language %q, %v", lang, err)
	}

	a.srv.cfg.RequestTimeout = 50 * time.Millisecond
	if p := cw.get(views.PathCases); p.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a page that waited past its deadline: %d, want 503", p.StatusCode)
	}
}

// servedOnceASlotFrees sends req while every slot of s is taken, fails the test if it is
// answered before one frees, frees one and returns the status it then gets. The slot is
// taken again once it is answered.
func servedOnceASlotFrees(t *testing.T, s slots, hc *http.Client, req *http.Request) int {
	t.Helper()
	done := make(chan int, 1)
	go func() {
		resp, err := hc.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	select {
	case code := <-done:
		t.Fatalf("%s %s was answered (%d) while every slot was taken", req.Method, req.URL.Path, code)
	case <-time.After(100 * time.Millisecond):
	}
	<-s
	code := <-done
	s <- struct{}{}
	return code
}

// A number of work slots set in the configuration is the number the portal computes in.
func TestWorkSlotsFromTheConfiguration(t *testing.T) {
	srv := newPortal(t, dbtest.Stores(t, dbtest.NewClock(testStart)), quietLogger(), func(c *Config) { c.WorkSlots = 3 })
	if cap(srv.work) != 3 {
		t.Fatalf("%d work slots, want the configured 3", cap(srv.work))
	}
}
