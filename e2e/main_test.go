package e2e

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"awda/models"
	"awda/models/dbtest"
)

// The environment of the whole package, set up once by TestMain.
var (
	baseURL    string             // http://127.0.0.1:PORT of the awda under test
	browserCtx context.Context    // the one Chromium; each test opens its own tab in it
	serverLog  *dbtest.SyncBuffer // what awda serve wrote, printed when a test fails
	// screenshotDir is AWDA_SCREENSHOTS: where `make screenshots` wants its PNGs ("" = none).
	screenshotDir string
)

// The accounts TestMain creates. All share one password.
const password = "Correct-Horse-42"

type account struct {
	Email, Name, Role, Office, Language string
}

// accounts: one per role for the general checks, plus accounts that tests change
// (language, password attempts) so that parallel tests never disturb each other.
var accounts = map[string]account{
	"caseworker":      {"cw@e2e.test", "Salma Benali", "caseworker", "RAB", "fr"},
	"supervisor":      {"sup@e2e.test", "Youssef Alami", "supervisor", "RAB", "fr"},
	"admin":           {"admin@e2e.test", "Nadia Admin", "admin", "", "fr"},
	"rtl":             {"rtl@e2e.test", "Karim Rtl", "caseworker", "RAB", "fr"},
	"password":        {"pw@e2e.test", "Hind Password", "caseworker", "RAB", "fr"},
	"failing":         {"fail@e2e.test", "Omar Fail", "caseworker", "RAB", "fr"},
	"keyboard":        {"kbd@e2e.test", "Leila Keyboard", "caseworker", "RAB", "fr"},
	"nojs":            {"nojs@e2e.test", "Amine NoJS", "supervisor", "RAB", "fr"},
	"nojs-caseworker": {"nojs-cw@e2e.test", "Aya NoJS", "caseworker", "RAB", "fr"},
	"nojs-admin":      {"nojs-admin@e2e.test", "Ilyas NoJS", "admin", "", "fr"},
	"weight":          {"weight@e2e.test", "Sara Weight", "caseworker", "RAB", "fr"},
	"english":         {"en@e2e.test", "John English", "supervisor", "RAB", "en"},
	"arabic":          {"ar@e2e.test", "فاطمة الزهراء", "caseworker", "RAB", "ar"},
	// The cases' journeys and their checks in Arabic.
	"journey":        {"journey@e2e.test", "Salma Journey", "caseworker", "RAB", "fr"},
	"form-errors":    {"form-errors@e2e.test", "Rachid Errors", "caseworker", "RAB", "fr"},
	"editor-1":       {"editor1@e2e.test", "Hamza Editor", "caseworker", "RAB", "fr"},
	"editor-2":       {"editor2@e2e.test", "Zineb Editor", "supervisor", "RAB", "fr"},
	"keyboard-cases": {"kbd-cases@e2e.test", "Imane Keyboard", "caseworker", "RAB", "fr"},
	"nojs-ar":        {"nojs-ar@e2e.test", "يوسف بلا جافاسكريبت", "caseworker", "RAB", "ar"},
	"ar-supervisor":  {"ar-sup@e2e.test", "مريم المشرفة", "supervisor", "RAB", "ar"},
	"ar-admin":       {"ar-admin@e2e.test", "نادية المسؤولة", "admin", "", "ar"},
	// The screenshots' own accounts: they switch language, so no other test uses them.
	"shot-caseworker": {"shot-cw@e2e.test", "Salma Benali", "caseworker", "RAB", "fr"},
	"shot-supervisor": {"shot-sup@e2e.test", "Youssef Alami", "supervisor", "RAB", "fr"},
	"shot-admin":      {"shot-admin@e2e.test", "Nadia Admin", "admin", "", "fr"},
	// The support journey works in its own office, OUJ, so that its summary
	// holds its own figures only, whatever the other tests register in RAB.
	"support-cw":    {"support-cw@e2e.test", "Hajar Oujda", "caseworker", "OUJ", "fr"},
	"support-sup":   {"support-sup@e2e.test", "Mehdi Oujda", "supervisor", "OUJ", "fr"},
	"support-admin": {"support-admin@e2e.test", "Rim Exports", "admin", "", "fr"},
	// The documents journey attaches files to a case of its own.
	"documents-cw": {"documents-cw@e2e.test", "Nora Documents", "caseworker", "RAB", "fr"},
	// Supervisors of every office, who get the approvals queue's office filter.
	"hq-supervisor":    {"hq-sup@e2e.test", "Khadija Siège", "supervisor", "", "fr"},
	"ar-hq-supervisor": {"ar-hq-sup@e2e.test", "خديجة المقر", "supervisor", "", "ar"},
	// The retention journey's two supervisors (four eyes), the second in Arabic.
	"retention-sup-1": {"retention-sup1@e2e.test", "Samir Retention", "supervisor", "RAB", "fr"},
	"retention-sup-2": {"retention-sup2@e2e.test", "سعاد الحفظ", "supervisor", "RAB", "ar"},
	// Administrators who have not enrolled two-step sign-in yet (see unenrolled).
	"enrol-admin":    {"enrol-admin@e2e.test", "Anas Enrol", "admin", "", "fr"},
	"enrol-admin-ar": {"enrol-admin-ar@e2e.test", "أنس التسجيل", "admin", "", "ar"},
}

// roles are the three roles of the portal, in the order the checks go through them.
var roles = []string{"caseworker", "supervisor", "admin"}

// chromiumPath finds the browser: AWDA_CHROMIUM, Debian's binary, or one on the PATH.
func chromiumPath() string {
	if p := os.Getenv("AWDA_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return ""
		}
		return p
	}
	if _, err := os.Stat("/usr/lib/chromium/chromium"); err == nil {
		return "/usr/lib/chromium/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func TestMain(m *testing.M) {
	os.Exit(setup(m))
}

func setup(m *testing.M) int {
	chromium := chromiumPath()
	if chromium == "" {
		fmt.Println("e2e: Chromium not found, browser tests skipped (apt-get install chromium, or set AWDA_CHROMIUM)")
		return 0
	}
	screenshotDir = os.Getenv("AWDA_SCREENSHOTS")
	tmp, err := os.MkdirTemp("", "awda-e2e-")
	if err != nil {
		fmt.Println("e2e:", err)
		return 1
	}
	defer os.RemoveAll(tmp)

	stop, err := startServer(tmp)
	if err != nil {
		fmt.Println("e2e: start awda:", err)
		if serverLog != nil {
			fmt.Println(serverLog.String())
		}
		return 1
	}
	defer stop()
	if err := enrolAdmins(); err != nil {
		fmt.Println("e2e:", err)
		fmt.Println(serverLog.String())
		return 1
	}
	if err := seedFixtures(); err != nil {
		fmt.Println("e2e: prepare the fixture case:", err)
		fmt.Println(serverLog.String())
		return 1
	}

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(filepath.Join(tmp, "chromium-profile")),
		chromedp.WindowSize(1280, 900),
	)...)
	defer cancelAlloc()
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no timeout
		fmt.Println("e2e: start Chromium:", err)
		return 1
	}
	browserCtx = ctx
	return m.Run()
}

// startServer builds awda, prepares a fresh database with an office and one account
// per role through the command line, and serves it on a free loopback port.
func startServer(tmp string) (stop func(), err error) {
	bin := filepath.Join(tmp, "awda")
	build := exec.Command("go", "build", "-o", bin, "awda/cmd/awda")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("go build: %w", err)
	}
	dsn, dropSchema, err := freshDatabase(tmp)
	if err != nil {
		return nil, err
	}
	cli := func(stdin string, args ...string) error {
		cmd := exec.Command(bin, append(args, "--db", dsn)...)
		cmd.Dir = tmp // anything awda writes beside it (data/session.key) stays in the temp dir
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("awda %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := cli("", "office", "add", "--code", "RAB", "--name", "Rabat", "--city", "Rabat"); err != nil {
		return nil, err
	}
	if err := cli("", "office", "add", "--code", "OUJ", "--name", "Oujda", "--city", "Oujda"); err != nil {
		return nil, err
	}
	// The accounts, four at a time: each hashes its password (argon2), most of the
	// set-up's time when done one after the other.
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, 4)
	)
	for _, a := range accounts {
		args := []string{"user", "add", "--email", a.Email, "--name", a.Name, "--role", a.Role, "--password-stdin"}
		if a.Language != "" {
			args = append(args, "--language", a.Language)
		}
		if a.Office != "" {
			args = append(args, "--office", a.Office)
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := cli(password+"\n", args...); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	if err := longAuditHistory(dsn); err != nil {
		return nil, err
	}

	serverLog = &dbtest.SyncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0", "--db", dsn)
	cmd.Env = append(os.Environ(), "AWDA_LOG_LEVEL=warn")
	cmd.Dir = tmp
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	cmd.Stderr = serverLog
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, err
	}
	stop = func() {
		cancel()
		cmd.Wait()
		dropSchema()
	}
	// "Awda is listening on http://127.0.0.1:PORT"
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			serverLog.Write([]byte(line + "\n"))
			if i := strings.Index(line, "http://"); i >= 0 && strings.Contains(line, "listening") {
				select {
				case addr <- line[i:]:
				default:
				}
			}
		}
	}()
	select {
	case baseURL = <-addr:
	case <-time.After(30 * time.Second):
		stop()
		return nil, errors.New("awda serve did not say where it listens within 30s")
	}
	if err := waitHealthy(baseURL + "/healthz"); err != nil {
		stop()
		return nil, err
	}
	return stop, nil
}

// freshDatabase is an SQLite file in tmp, or, with AWDA_TEST_DB=postgres, a new schema
// in TEST_DATABASE_URL (dropped at the end).
// longAuditHistory gives the log the years of events of a portal long in use, dated in
// 2021 (after every event of the tests, newest first): more than the audit page counts,
// so its pager reads "sur plus de" in the layout checks and screenshots.
func longAuditHistory(dsn string) error {
	db, err := models.Open(context.Background(), dsn, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer db.Close()
	err = db.Write.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO audit_events (at, user_email, ip, action, record_type, record_id, fields, details)
		SELECT ?, '', '', 'case.view', 'case', CAST(i AS TEXT), '', '' FROM n`,
		models.AuditCountedEvents+1, time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC)).Error
	if err != nil {
		return fmt.Errorf("the audit history: %w", err)
	}
	return nil
}

func freshDatabase(tmp string) (dsn string, drop func(), err error) {
	if os.Getenv("AWDA_TEST_DB") != "postgres" {
		return filepath.Join(tmp, "awda.db"), func() {}, nil
	}
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		return "", nil, errors.New("AWDA_TEST_DB=postgres needs TEST_DATABASE_URL")
	}
	db, err := models.Open(context.Background(), base, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "e2e_" + hex.EncodeToString(b)
	if err := db.Write.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		db.Close()
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		db.Write.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	}, nil
}

func waitHealthy(u string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer 200 within 30s", u)
}
