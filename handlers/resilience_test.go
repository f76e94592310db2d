package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"awda/models"
	"awda/views"
)

// A database that is gone gives the translated 503 page and /healthz 503, not a 500.
func TestClosedDatabaseIs503(t *testing.T) {
	app := newTestApp(t)
	c, _ := app.signedIn("cw@example.org", models.RoleCaseworker, "RAB")
	wantStatus(t, c.get(views.PathHome), http.StatusOK)
	if err := app.stores.DB.Close(); err != nil {
		t.Fatal(err)
	}
	p := c.get(views.PathHome)
	wantStatus(t, p, http.StatusServiceUnavailable)
	if got := p.text("h1"); !strings.Contains(got, "indisponible") {
		t.Errorf("503 page title %q, want the French 'indisponible' message", got)
	}
	wantStatus(t, c.get(views.PathHealth), http.StatusServiceUnavailable)
	if strings.Contains(p.Body, "database is closed") {
		t.Error("the page shows the error's text")
	}
}

// Request bodies are size-limited, with a translated page.
func TestBodyLimitIs413(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	c.header.Set("Accept-Language", "en")
	c.get(views.PathLogin)
	p := c.post(views.PathLogin, url.Values{"email": {"a@example.org"}, "password": {strings.Repeat("x", 2<<20)}})
	wantStatus(t, p, http.StatusRequestEntityTooLarge)
	if got := p.text("h1"); got != "Upload too large" {
		t.Errorf("413 page title %q, want the English one", got)
	}
}

func TestIsUnavailable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("find session: %w", errors.New("sql: database is closed")), true},
		{fmt.Errorf("x: %w", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), true},
		{fmt.Errorf("x: %w", io.ErrUnexpectedEOF), true},
		{fmt.Errorf("x: %w", models.ErrUnavailable), true},
		{models.ErrNotFound, false},
		{errors.New("syntax error at or near"), false},
	} {
		if got := isUnavailable(tc.err); got != tc.want {
			t.Errorf("isUnavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// A client that goes away mid-request is not a server error.
func TestClientGoneIsNotAnError(t *testing.T) {
	app := newTestApp(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	req := httptest.NewRequest(http.MethodGet, "/account", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	app.srv.handleError(fmt.Errorf("find session: %w", context.Canceled), app.srv.e.NewContext(req, rec))
	if rec.Code != statusClientClosed {
		t.Errorf("status %d, want 499", rec.Code)
	}
	if strings.Contains(app.logs.String(), "level=ERROR") {
		t.Errorf("an abandoned request was logged as an error:\n%s", app.logs.String())
	}
	// The same error while the client still waits is a real failure.
	rec = httptest.NewRecorder()
	app.srv.handleError(fmt.Errorf("x: %w", context.Canceled), app.srv.e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", rec.Code)
	}
}
