// Package handlerstest serves the whole portal for tests outside the handlers package
// (the demo's, the load tool's), as net/http/httptest serves a handler. The handlers
// package's own tests build theirs with newPortal: they need the server's internals,
// and importing this package from there would be a cycle.
package handlerstest

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"awda/handlers"
	"awda/models"
	"awda/static"
	"awda/views"
)

// Serve starts the portal on stores, with its catalogue, assets and a test session key,
// quiet logs, and closes it when the test ends.
func Serve(tb testing.TB, stores *models.Stores) *httptest.Server {
	tb.Helper()
	catalog, err := views.LoadCatalog()
	if err != nil {
		tb.Fatal(err)
	}
	assets, err := static.New()
	if err != nil {
		tb.Fatal(err)
	}
	if stores.Users.TOTPKeys == nil {
		keys, err := models.NewSecretKeys("test-totp-key-of-at-least-32-characters")
		if err != nil {
			tb.Fatal(err)
		}
		stores.Users.TOTPKeys = keys
	}
	h, err := handlers.New(handlers.Config{
		SessionKey: []byte("test-session-key-of-at-least-32-bytes!"),
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, stores, catalog, assets)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}
