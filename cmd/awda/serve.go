package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"awda/handlers"
	"awda/models"
	"awda/static"
	"awda/views"
)

func cmdServe(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	defAddr := "127.0.0.1:8080"
	if v := getenv("AWDA_ADDR"); v != "" {
		defAddr = v
	}
	addr := fs.String("addr", defAddr, "address to listen on (env AWDA_ADDR)")
	dsn := dbFlag(fs, getenv)
	demo := fs.Bool("demo", false, "load the demo dataset into an empty database and print the demo accounts")
	docFlags := addDocumentLimitFlags(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	// A small server's memory: unless the operator set GOMEMLIMIT, the collector works
	// harder as the heap nears 256 MiB rather than let a burst (a storm of sign-ins,
	// each password hash 19 MiB) grow the process to twice its heap and keep it. The
	// limit is soft: a heap that needs more still gets it.
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(256 << 20)
	}
	// Every setting is checked before the database is created or the first
	// administrator's one-time password printed.
	if err := checkAddr(*addr); err != nil {
		return err
	}
	t, err := readTimeouts(getenv)
	if err != nil {
		return err
	}
	workSlots, err := readWorkSlots(getenv)
	if err != nil {
		return err
	}
	docLimits, err := docFlags.limits()
	if err != nil {
		return err
	}
	if _, err := checkDB(*dsn); err != nil {
		return err
	}
	log := newLogger(stderr, getenv)
	db, err := openDB(ctx, *dsn, log)
	if err != nil {
		return err
	}
	defer db.Close()
	stores := models.NewStores(db, time.Now, models.DefaultArgon2)
	stores.Audit.Log = log
	stores.Documents = models.NewDocumentStore(db, time.Now, stores.Audit, docLimits)
	if err := firstRun(ctx, stores, *demo, stdout); err != nil {
		return err
	}
	key, err := sessionKey(getenv, db)
	if err != nil {
		return err
	}
	if err := useTOTPKeys(ctx, getenv, key, stores, log); err != nil {
		return err
	}
	catalog, err := views.LoadCatalog()
	if err != nil {
		return err
	}
	assets, err := static.New()
	if err != nil {
		return err
	}
	h, err := handlers.New(handlers.Config{
		SessionKey:     key,
		SecureCookies:  getenv("AWDA_SECURE_COOKIES") == "1",
		Logger:         log,
		RequestTimeout: t.request,
		WorkSlots:      workSlots,
	}, stores, catalog, assets)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.readHeader,
		ReadTimeout:       t.read,
		WriteTimeout:      15 * time.Minute, // long exports stream for minutes
		IdleTimeout:       t.idle,
		MaxHeaderBytes:    64 << 10,
	}
	fmt.Fprintf(stdout, "Awda is listening on http://%s\n", ln.Addr())
	log.Info("listening", "addr", ln.Addr().String(), "database", string(db.Dialect))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// SIGTERM: stop accepting, let requests in flight finish.
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), t.shutdown)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	// The case views of the last requests are queued, not yet saved.
	return stores.Audit.Drain(shutdownCtx)
}

// checkAddr reads --addr as host:port (the host may be empty for every interface).
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: give host:port, such as 127.0.0.1:8080 or :8080", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("--addr %q: the port must be a number from 0 to 65535", addr)
	}
	return nil
}

// firstRun prepares an empty database: the demo dataset with --demo, otherwise one
// administrator whose one-time password is printed once.
func firstRun(ctx context.Context, stores *models.Stores, demo bool, stdout io.Writer) error {
	n, err := stores.Users.Count(ctx)
	if err != nil || n > 0 {
		return err
	}
	if demo {
		return loadDemo(ctx, stores, demoOptions{Year: 2021, Scale: 1}, stdout)
	}
	u, pw, err := stores.Users.Create(ctx, models.Actor{IP: "cli"}, models.UserInput{
		Email: "admin@awda.local", Name: "Administrator", Role: models.RoleAdmin, Language: "fr",
	})
	if err != nil {
		// Several servers starting at once on one PostgreSQL database: another one
		// created the administrator first, and printed its password.
		if n, cerr := stores.Users.Count(ctx); cerr == nil && n > 0 {
			return nil
		}
		return err
	}
	fmt.Fprintf(stdout, "Created the first administrator %s with the one-time password: %s\n", u.Email, pw)
	fmt.Fprintln(stdout, "It is shown only once; you will choose a new password at first sign-in.")
	return nil
}

// timeouts bound how long a slow client or a stalled database can hold a connection.
type timeouts struct {
	request, readHeader, read, idle, shutdown time.Duration
}

// readTimeouts reads AWDA_REQUEST_TIMEOUT (each request's work, default 30s),
// AWDA_READ_HEADER_TIMEOUT (10s), AWDA_READ_TIMEOUT (60s), AWDA_IDLE_TIMEOUT (120s) and
// AWDA_SHUTDOWN_TIMEOUT (how long SIGTERM waits for requests in flight, 30s), as Go
// durations such as 500ms or 2m.
func readTimeouts(getenv env) (timeouts, error) {
	t := timeouts{request: 30 * time.Second, readHeader: 10 * time.Second, read: 60 * time.Second,
		idle: 120 * time.Second, shutdown: 30 * time.Second}
	for _, v := range []struct {
		name string
		dst  *time.Duration
	}{
		{"AWDA_REQUEST_TIMEOUT", &t.request}, {"AWDA_READ_HEADER_TIMEOUT", &t.readHeader},
		{"AWDA_READ_TIMEOUT", &t.read}, {"AWDA_IDLE_TIMEOUT", &t.idle}, {"AWDA_SHUTDOWN_TIMEOUT", &t.shutdown},
	} {
		raw := getenv(v.name)
		if raw == "" {
			continue
		}
		d, err := time.ParseDuration(raw)
		if err != nil || d <= 0 {
			return t, fmt.Errorf("%s=%q: want a positive duration such as 30s", v.name, raw)
		}
		*v.dst = d
	}
	return t, nil
}

// maxWorkSlots bounds AWDA_WORK_SLOTS: past a few hundred requests computing at once
// the slots no longer bound anything.
const maxWorkSlots = 1024

// readWorkSlots reads AWDA_WORK_SLOTS, how many page and form requests compute at once
// (0, the default when unset: the portal's own choice for the database, see
// handlers.Config.WorkSlots). An operator whose PostgreSQL runs on a larger machine of
// its own may raise it.
func readWorkSlots(getenv env) (int, error) {
	raw := getenv("AWDA_WORK_SLOTS")
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > maxWorkSlots {
		return 0, fmt.Errorf("AWDA_WORK_SLOTS=%q: want a whole number from 1 to %d", raw, maxWorkSlots)
	}
	return n, nil
}

// useTOTPKeys gives the user store the keys of the two-step secrets: AWDA_TOTP_KEY, or
// else the session key (AWDA_SESSION_KEY or session.key), which every server of one
// database shares already; AWDA_TOTP_OLD_KEYS (comma-separated) are still accepted to
// decrypt while a key is replaced. Then every secret still in clear, or under an old
// key, is encrypted with the current one.
func useTOTPKeys(ctx context.Context, getenv env, sessionKey []byte, stores *models.Stores, log *slog.Logger) error {
	current := getenv("AWDA_TOTP_KEY")
	if current == "" {
		current = string(sessionKey)
	}
	var old []string
	for _, k := range strings.Split(getenv("AWDA_TOTP_OLD_KEYS"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			old = append(old, k)
		}
	}
	keys, err := models.NewSecretKeys(current, old...)
	if err != nil {
		return fmt.Errorf("AWDA_TOTP_KEY, AWDA_TOTP_OLD_KEYS: %w", err)
	}
	stores.Users.TOTPKeys = keys
	sealed, unreadable, err := stores.Users.SealTOTPSecrets(ctx)
	if err != nil {
		return err
	}
	if sealed > 0 {
		log.Info("two-step secrets encrypted", "count", sealed, "key_id", keys.CurrentID())
	}
	if unreadable > 0 {
		log.Warn("two-step secrets encrypted with a key that is neither AWDA_TOTP_KEY nor in AWDA_TOTP_OLD_KEYS: "+
			"those users cannot finish signing in", "count", unreadable)
	}
	return nil
}
