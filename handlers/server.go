// Package handlers is the HTTP side of the portal: the echo server, its middleware and
// one file of handlers per resource. Handlers parse, validate, make one store call and
// render or redirect; the rules live in models.
package handlers

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"awda/models"
	"awda/static"
	"awda/views"
)

// Config holds what the server needs besides the stores.
type Config struct {
	// SessionKey signs and encrypts the session cookie; at least 32 bytes.
	SessionKey []byte
	// SecureCookies marks cookies Secure (set it behind TLS).
	SecureCookies bool
	Logger        *slog.Logger
	// RequestTimeout bounds each request's work, so a stalled database gives a 503
	// instead of a hung page. Exports get ExportTimeout instead.
	RequestTimeout time.Duration
	ExportTimeout  time.Duration
	// BodyLimit caps request bodies, except uploads, which have their own limit.
	BodyLimit string
	// UploadLimit caps the body of a case import (the file and the form around it).
	UploadLimit int64
	// ReportSlots is how many summary requests compute at once (default: half the
	// CPUs, at least one); see defaultReportSlots.
	ReportSlots int
	// WorkSlots is how many other page and form requests compute at once (default: two
	// per CPU on SQLite, four on PostgreSQL); see defaultWorkSlots.
	WorkSlots int
}

// server is the portal's HTTP side; its methods are the handlers.
type server struct {
	cfg     Config
	stores  *models.Stores
	catalog *views.Catalog
	assets  *static.Assets
	log     *slog.Logger
	cookies *sessions.CookieStore
	e       *echo.Echo
	// rules records the access rule of every route, so a test can prove none is missing.
	rules map[string]access
	// reports are the slots summary requests compute in.
	reports slots
	// work are the slots the other pages and forms compute in (see admit).
	work slots
	// pages are the buffers pages are rendered into.
	pages pageBuffers
}

// New builds the portal's HTTP handler.
func New(cfg Config, stores *models.Stores, catalog *views.Catalog, assets *static.Assets) (*echo.Echo, error) {
	s, err := newServer(cfg, stores, catalog, assets)
	if err != nil {
		return nil, err
	}
	return s.e, nil
}

func newServer(cfg Config, stores *models.Stores, catalog *views.Catalog, assets *static.Assets) (*server, error) {
	if len(cfg.SessionKey) < 32 {
		return nil, errors.New("session key must be at least 32 bytes")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.ExportTimeout == 0 {
		cfg.ExportTimeout = 10 * time.Minute
	}
	if cfg.BodyLimit == "" {
		cfg.BodyLimit = "1M"
	}
	if cfg.UploadLimit == 0 {
		cfg.UploadLimit = models.ImportMaxBytes + 64<<10
	}
	if cfg.ReportSlots <= 0 {
		cfg.ReportSlots = defaultReportSlots()
	}
	if cfg.WorkSlots <= 0 {
		cfg.WorkSlots = defaultWorkSlots(stores.DB.Dialect)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// The client address is the connection's: forwarding headers are ignored, so a
	// forged X-Forwarded-For cannot reset the sign-in throttle or fake the audit log.
	e.IPExtractor = echo.ExtractIPDirect()
	s := &server{
		cfg: cfg, stores: stores, catalog: catalog, assets: assets, log: cfg.Logger, e: e,
		cookies: newCookieStore(cfg.SessionKey, cfg.SecureCookies),
		rules:   map[string]access{},
		reports: make(slots, cfg.ReportSlots),
		work:    make(slots, cfg.WorkSlots),
	}
	e.HTTPErrorHandler = s.handleError
	e.Use(
		middleware.RequestID(),
		s.securityHeaders,
		middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: s.logPanic}),
		s.requestLogger(),
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: cfg.BodyLimit, Skipper: func(c echo.Context) bool {
			return isUpload(c) || isDocumentUpload(c)
		}}),
		middleware.GzipWithConfig(middleware.GzipConfig{Level: 5, MinLength: 1024, Skipper: isDocumentFile}),
		s.deadline,
		s.loadSession,
		s.limitUpload(),
		s.streamDocumentUpload,
		s.checkCSRF,
		s.checkFormText,
		s.admit,
	)
	s.routes()
	return s, nil
}

// derivedKey makes an independent key for one purpose out of the session key.
func derivedKey(master []byte, purpose string) []byte {
	h := sha256.Sum256(append([]byte(purpose+":"), master...))
	return h[:]
}

func isUpload(c echo.Context) bool {
	return strings.HasPrefix(c.Request().URL.Path, views.PathAdminImports)
}

func isExport(c echo.Context) bool {
	return strings.HasPrefix(c.Request().URL.Path, views.PathAdminExports+"/") || c.Request().URL.Path == views.PathAdminAuditCSV
}

// deadline bounds each request's work through its context.
func (s *server) deadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		d := s.cfg.RequestTimeout
		if isExport(c) || isUpload(c) || isDocumentUpload(c) || isDocumentFile(c) {
			d = s.cfg.ExportTimeout
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), d)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

// contentSecurityPolicy allows nothing from elsewhere and no inline script or style.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries, including errors and files.
func (s *server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.cfg.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if !strings.HasPrefix(c.Request().URL.Path, static.Prefix) {
			// Pages may hold personal data: never keep them in a shared or browser cache.
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// requestLogger logs one line per request: the route pattern (never the raw path or
// query, which can carry names), status, time and request id. No personal data.
func (s *server) requestLogger() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogLatency: true, LogMethod: true, LogRoutePath: true, LogRequestID: true, LogError: true,
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			attrs := []slog.Attr{
				slog.String("method", v.Method), slog.String("route", v.RoutePath), slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency), slog.String("request_id", v.RequestID),
			}
			if u := currentUser(c); u != nil {
				attrs = append(attrs, slog.Uint64("user_id", uint64(u.ID)))
			}
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			s.log.LogAttrs(c.Request().Context(), level, "request", attrs...)
			return nil
		},
	})
}

func (s *server) logPanic(c echo.Context, err error, stack []byte) error {
	s.log.Error("panic", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "error", err.Error(), "stack", string(stack))
	return err
}

// handleError turns every error into a page in the user's language: a record out of
// scope or missing is 404, a stalled database 503, anything unexpected 500 with a
// logged error and a reference, never the error's text.
func (s *server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if errors.Is(err, context.Canceled) && c.Request().Context().Err() != nil {
		// The client went away (a closed tab, a proxy that gave up): nobody reads the
		// answer, and it is no fault of the server's, so no error is logged.
		s.log.Info("client gone", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "route", c.Path())
		_ = c.NoContent(statusClientClosed)
		return
	}
	status := http.StatusInternalServerError
	var he *echo.HTTPError
	switch {
	case errors.Is(err, models.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, models.ErrForbidden):
		status = http.StatusForbidden
	case errors.Is(err, models.ErrBusy):
		status = http.StatusServiceUnavailable
		retryLater(c)
	case errors.As(err, &he):
		status = he.Code
	case isUnavailable(err):
		status = http.StatusServiceUnavailable
	}
	if status >= 500 && !errors.Is(err, models.ErrBusy) {
		s.log.Error("request failed", "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
			"route", c.Path(), "status", status, "error", err.Error())
	}
	// The request's own context may be cancelled or past its deadline by now; the error
	// page must still render.
	c.SetRequest(c.Request().WithContext(context.WithoutCancel(c.Request().Context())))
	// An error before the session middleware (a body too large) still gets the
	// browser's language.
	if st := getState(c); st.lang == "" {
		st.lang = s.pickLanguage(c, st.user)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	page := views.ErrorPage(status)
	if errors.Is(err, models.ErrBusy) {
		page = views.BusyPage()
	}
	if rerr := s.render(c, status, page); rerr != nil {
		s.log.Error("render error page", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "error", rerr.Error())
		_ = c.String(status, http.StatusText(status))
	}
}

// retryLater tells the client when to try again after a 503 for a busy server: a
// password hash takes well under a second, so the queue is soon through.
func retryLater(c echo.Context) { c.Response().Header().Set("Retry-After", "2") }

// statusClientClosed is nginx's code for a request the client abandoned.
const statusClientClosed = 499

// isUnavailable recognises a database that did not answer in time, or at all (refused,
// cut or closed connections): the page is a 503, and the server recovers by itself when
// the database returns.
func isUnavailable(err error) bool { return models.IsUnavailable(err) }
