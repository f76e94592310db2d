// Command awdaload puts a portal on this machine under the load of many signed-in users
// and reports throughput, latency percentiles and errors per route, then checks the
// database: every write the server acknowledged must be there.
//
//	awdaload --spawn bin/awda --users 50 --duration 60s
//	awdaload --target http://127.0.0.1:8091 --db data/awda.db --users 50
//
// It refuses any target that is not a loopback address.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"awda/cmd/awdaload/load"
	"awda/models"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "awdaload:", err)
		os.Exit(1)
	}
}

type options struct {
	target, db, spawn, scenarios string
	users                        int
	duration, ramp               time.Duration
	maxRequests                  int64
	seed                         uint64
	cheapHashes                  bool
	seedCases, seedSupport       int
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("awdaload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.target, "target", "", "base URL of a running portal (loopback only)")
	fs.StringVar(&o.db, "db", "", "the portal's database (SQLite path or postgres:// URL): users are made there and writes checked there")
	fs.StringVar(&o.spawn, "spawn", "", "path of an awda binary to start on --db (a fresh SQLite file when --db is empty) for the run")
	fs.IntVar(&o.users, "users", 50, "concurrent signed-in users")
	fs.DurationVar(&o.duration, "duration", 60*time.Second, "how long the load runs")
	fs.DurationVar(&o.ramp, "ramp", 0, "spread the users' arrivals (and sign-ins) evenly over this time from the start (0: all at once)")
	fs.Int64Var(&o.maxRequests, "max-requests", 1_000_000, "stop after this many requests")
	fs.StringVar(&o.scenarios, "mix", "office", "office (search, case files, registrations, workflow, support plans and approvals, the summary: the default), browse (pages and language switches) or writes (the crash tests' mix)")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed of the scenario choice")
	fs.BoolVar(&o.cheapHashes, "cheap-hashes", false, "hash the load users' passwords with cheap argon2 parameters, so sign-ins cost nothing (tests)")
	fs.IntVar(&o.seedCases, "cases", 500, "cases the load office holds before the run (registered through the store when missing)")
	fs.IntVar(&o.seedSupport, "support", 20, "support plans awaiting the supervisors' approval before the run (planned through the store when missing)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.users < 1 || o.duration <= 0 || o.duration > time.Hour || o.maxRequests < 1 || o.ramp < 0 || o.ramp > o.duration {
		return errors.New("--users must be at least 1, --duration between 0 and 1h, --ramp between 0 and the duration, --max-requests at least 1")
	}
	mix, ok := load.Mixes[o.scenarios]
	if !ok {
		return fmt.Errorf("--mix %q: want office, browse or writes", o.scenarios)
	}
	if o.spawn == "" {
		if err := load.CheckLoopback(o.target); err != nil {
			return err
		}
	}
	if o.spawn != "" && o.db == "" {
		dir, err := os.MkdirTemp("", "awdaload-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.db = filepath.Join(dir, "awda.db")
	}
	if o.db == "" {
		return errors.New("--db is required: the load makes its users there and checks its writes there")
	}
	db, err := models.Open(ctx, o.db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := models.Migrate(ctx, db); err != nil {
		return err
	}
	argon := models.DefaultArgon2
	if o.cheapHashes {
		argon = models.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}
	}
	stores := models.NewStores(db, time.Now, argon)
	users, err := load.EnsureUsers(ctx, stores, o.users)
	if err != nil {
		return err
	}
	if err := load.EnsureCases(ctx, stores, o.seedCases); err != nil {
		return err
	}
	if err := load.EnsureSupport(ctx, stores, o.seedSupport); err != nil {
		return err
	}
	if err := db.Analyze(ctx); err != nil {
		return err
	}
	if o.spawn != "" {
		srv, err := spawn(ctx, o.spawn, o.db, stderr)
		if err != nil {
			return err
		}
		defer srv.stop()
		o.target = srv.url
	}
	if err := load.CheckLoopback(o.target); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "load: %d users (%s mix) arriving over %s on %s for %s, database %s\n", o.users, o.scenarios, o.ramp, o.target, o.duration, db.Dialect)
	res, err := load.Run(ctx, load.Config{Base: o.target, Users: users, Duration: o.duration, Ramp: o.ramp,
		MaxRequests: o.maxRequests, Scenarios: mix, Seed: o.seed})
	if err != nil {
		return err
	}
	res.Report(stdout)
	if err := load.Verify(ctx, db, res.Writes); err != nil {
		fmt.Fprintln(stdout, "post-run checks: FAILED")
		return err
	}
	fmt.Fprintln(stdout, "post-run checks: ok (every acknowledged write is in the database)")
	if res.Errors > 0 {
		return fmt.Errorf("%d requests failed", res.Errors)
	}
	return nil
}

// server is an awda process started for the run.
type server struct {
	cmd  *exec.Cmd
	url  string
	done chan error
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

func spawn(ctx context.Context, bin, db string, stderr io.Writer) (*server, error) {
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db)
	cmd.Env = append(os.Environ(), "AWDA_LOG_LEVEL=error")
	if os.Getenv("AWDA_SESSION_KEY") == "" {
		cmd.Env = append(cmd.Env, "AWDA_SESSION_KEY=awdaload-session-key-for-this-run-only-000")
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan error, 1)}
	found := make(chan string, 1)
	var once sync.Once
	go func() {
		buf := make([]byte, 4096)
		var seen strings.Builder
		for {
			n, err := out.Read(buf)
			seen.Write(buf[:n])
			if m := listening.FindStringSubmatch(seen.String()); m != nil {
				once.Do(func() { found <- m[1] })
			}
			if err != nil {
				return
			}
		}
	}()
	go func() { s.done <- cmd.Wait() }()
	select {
	case s.url = <-found:
		return s, nil
	case err := <-s.done:
		return nil, fmt.Errorf("awda exited before listening: %v", err)
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		return nil, errors.New("awda did not listen within a minute")
	case <-ctx.Done():
		cmd.Process.Kill()
		return nil, ctx.Err()
	}
}

// stop ends the server gracefully.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(40 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}
