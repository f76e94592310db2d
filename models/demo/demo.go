// Package demo loads a deterministic, realistic dataset whose summary for the chosen
// year (2021 by default) shows exactly the figures of the office's 2021 report
// (REPORT-2021.md): 2,377 returns, 1,925 people informed, 664 trained, 156 migrants
// supported with the office's own funds, 216 Moroccan returnees supported, and support
// split 58 / 37 / 4 / 1 % between micro-projects, cash, medical assistance and training.
//
// Everything is created through the stores, the same code the handlers use, on a demo
// clock set to each record's date, so case numbers carry the year and every "not in the
// future" rule holds. The plan is decided first from a seeded PCG source, so every run
// with the same options writes the same records.
package demo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"awda/models"
)

// Options choose the dataset. Zero values mean year 2021, scale 1 and the production
// password hashing.
type Options struct {
	Year int
	// Scale multiplies every count (40 gives about 100,000 cases).
	Scale int
	Argon models.Argon2Params
	// Today, when after Year, adds open casework dated in Today's year up to Today
	// (live.go): new registrations, support waiting, visits due, this week's session.
	// The zero time adds none.
	Today time.Time
	// RowByRow keeps the derived tables' triggers on during the load, as in use,
	// instead of refilling those tables once at the end (models.LoadInBulk): slower,
	// for the test that compares the two.
	RowByRow bool
}

func (o Options) withDefaults() Options {
	if o.Year == 0 {
		o.Year = 2021
	}
	if o.Scale <= 0 {
		o.Scale = 1
	}
	if o.Argon == (models.Argon2Params{}) {
		o.Argon = models.DefaultArgon2
	}
	return o
}

// Account is a demo sign-in, with its password (shown once).
type Account struct {
	Email, Password, Name string
	Role                  models.Role
	OfficeCode            string
}

// Accounts are the demo sign-ins: one caseworker per office, a supervisor of all
// offices, a supervisor of Oujda, and an administrator.
type Accounts []Account

// Find returns the account with an email.
func (a Accounts) Find(email string) (Account, bool) {
	for _, x := range a {
		if x.Email == email {
			return x, true
		}
	}
	return Account{}, false
}

// Figures are the report's figures at a scale: what the summary must show for the year.
type Figures struct {
	Returns, Informed, Trained, FundedByOffice, InboundSupported int
	// ByType counts non-cancelled support records in models.SupportTypes order.
	ByType [4]int
}

// Expected returns the figures the dataset is built to show at a scale.
func Expected(scale int) Figures {
	s := max(scale, 1)
	return Figures{Returns: Returns * s, Informed: Informed * s, Trained: Trained * s, FundedByOffice: FundedByOffice * s,
		InboundSupported: InboundSupported * s,
		ByType:           [4]int{MicroProjects * s, CashRecords * s, MedicalRecords * s, TrainingRecords * s}}
}

// ErrNotEmpty refuses to load the demo into a database that already has accounts.
var ErrNotEmpty = errors.New("the database already has users: the demo dataset is only loaded into a new, empty database")

// clock is the demo's settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

type event struct {
	day, prio, seq int
	do             func(ctx context.Context) error
}

type loader struct {
	pl     *plan
	st     *models.Stores
	clk    *clock
	actors []models.Actor
	events []event
	// today caps the clock: today's live casework is not stamped later than now.
	today time.Time
	// analyzedAt is the number of cases when the database's statistics were last
	// refreshed.
	analyzedAt int
	// db runs each batch's transaction, to which the stores are bound.
	db *models.DB
}

// Load writes the demo dataset into an empty database and prints progress and, once,
// the demo accounts with their passwords to out.
func Load(ctx context.Context, db *models.DB, opts Options, out io.Writer) (Accounts, error) {
	opts = opts.withDefaults()
	if opts.Year < 2000 || opts.Year > 2100 {
		return nil, fmt.Errorf("demo year %d: choose a year between 2000 and 2100", opts.Year)
	}
	started := time.Now()
	clk := &clock{t: time.Date(opts.Year, time.January, 1, 8, 0, 0, 0, time.UTC)}
	st := models.NewStores(db, clk.Now, opts.Argon)
	if n, err := st.Users.Count(ctx); err != nil {
		return nil, err
	} else if n > 0 {
		return nil, ErrNotEmpty
	}
	fmt.Fprintf(out, "demo: planning the %d dataset at scale %d\n", opts.Year, opts.Scale)
	if db.Dialect == models.SQLite {
		// A bulk load that is simply run again if interrupted: commits wait for the WAL
		// write, not for each fsync (still crash-safe for the file; the portal's
		// FULL setting is restored at the end). The single write connection keeps it.
		if err := db.Write.WithContext(ctx).Exec("PRAGMA synchronous = NORMAL").Error; err != nil {
			return nil, err
		}
		defer db.Write.Exec("PRAGMA synchronous = FULL")
		// The indexes of a large load do not fit SQLite's default 2 MB page cache: each
		// insert then rereads index pages from the file. The cache grows only as pages
		// are read, so a small load does not take more memory for a larger limit.
		if err := db.Write.WithContext(ctx).Exec(fmt.Sprintf("PRAGMA cache_size = -%d", loadCacheKiB(opts.Scale))).Error; err != nil {
			return nil, err
		}
		defer db.Write.Exec("PRAGMA cache_size = -2000")
		// A store call inside a batch is a savepoint, and the pages it changes are first
		// copied to a sub-journal; past 64 KB SQLite moved that journal to a file on disk
		// and wrote every later copy of the batch there: a fifth of the load's time.
		if err := db.Write.WithContext(ctx).Exec("PRAGMA temp_store = MEMORY").Error; err != nil {
			return nil, err
		}
		defer db.Write.Exec("PRAGMA temp_store = DEFAULT")
		// The WAL is copied into the database file every 1,000 pages by default, and the
		// pages a load changes over and over (the summary tables, the indexes' last
		// pages) were copied at every round: 200 MB between copies took the scale-1 load
		// from 19 s to 15 s. The WAL is emptied at the end.
		if err := db.Write.WithContext(ctx).Exec("PRAGMA wal_autocheckpoint = 50000").Error; err != nil {
			return nil, err
		}
		defer db.Write.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		defer db.Write.Exec("PRAGMA wal_autocheckpoint = 1000")
	}
	l := &loader{pl: newPlan(opts.Year, opts.Scale), st: st, clk: clk, today: opts.Today, db: db}
	if !opts.Today.IsZero() {
		l.pl.addLive(opts.Today)
	}
	accounts, err := l.accounts(ctx)
	if err != nil {
		return nil, err
	}
	l.schedule()
	fmt.Fprintf(out, "demo: %d cases, %d support records, %d sessions, %d store calls to make\n",
		len(l.pl.people), len(l.pl.supports), len(l.pl.sessions), len(l.events))
	load := func() error {
		if err := l.run(ctx, out, started); err != nil {
			return err
		}
		return l.monitoringVisits(ctx)
	}
	if opts.RowByRow {
		err = load()
	} else {
		err = models.LoadInBulk(ctx, db, load)
	}
	if err != nil {
		return nil, err
	}
	if err := db.Analyze(ctx); err != nil {
		return nil, err
	}
	f := Expected(opts.Scale)
	fmt.Fprintf(out, "demo: loaded in %s: %d returns, %d people informed, %d trained, %d supported with the office's funds, %d Moroccan returnees supported\n",
		time.Since(started).Round(100*time.Millisecond), f.Returns, f.Informed, f.Trained, f.FundedByOffice, f.InboundSupported)
	fmt.Fprintln(out, "\nDemo accounts (the passwords are shown only this once):")
	for _, a := range accounts {
		office := a.OfficeCode
		if office == "" {
			office = "all offices"
		}
		fmt.Fprintf(out, "  %-28s %-26s %-10s %-11s %s\n", a.Email, a.Password, a.Role, office, a.Name)
	}
	return accounts, nil
}

// accounts creates the offices and the demo users, each with a random password of its
// own chosen at creation (so no change is forced at first sign-in).
func (l *loader) accounts(ctx context.Context) (Accounts, error) {
	sys := models.Actor{IP: "demo"}
	for _, o := range officeDefs {
		if _, err := l.st.Offices.ByCode(ctx, o.Code); err == nil {
			continue
		}
		if _, err := l.st.Offices.Create(ctx, sys, models.OfficeInput{Code: o.Code, Name: o.Name, City: o.City}); err != nil {
			return nil, fmt.Errorf("demo office %s: %w", o.Code, err)
		}
	}
	var accs Accounts
	for i, o := range officeDefs {
		accs = append(accs, Account{Email: "caseworker." + strings.ToLower(o.Code) + "@awda.local", Name: caseworkerNames[i],
			Role: models.RoleCaseworker, OfficeCode: o.Code})
	}
	accs = append(accs,
		Account{Email: "supervisor@awda.local", Name: "Leïla Chraibi", Role: models.RoleSupervisor},
		Account{Email: "supervisor.ouj@awda.local", Name: "Mohamed Berrada", Role: models.RoleSupervisor, OfficeCode: "OUJ"},
		Account{Email: "admin@awda.local", Name: "Nawal Kettani", Role: models.RoleAdmin})
	for i := range accs {
		a := &accs[i]
		for {
			a.Password = models.RandomPassword()
			if models.CheckPassword(a.Password, a.Name, a.Email) == "" {
				break
			}
		}
		u, _, err := l.st.Users.Create(ctx, sys, models.UserInput{Email: a.Email, Name: a.Name, Role: a.Role,
			OfficeCode: a.OfficeCode, Language: "fr", Password: a.Password})
		if err != nil {
			return nil, fmt.Errorf("demo account %s: %w", a.Email, err)
		}
		l.actors = append(l.actors, models.Actor{User: u, IP: "demo"})
	}
	return accs, nil
}

// loadCacheKiB is the page cache the loader gives SQLite: 256 MB up to scale 32, then
// 8 MB more per unit of scale. The names, numbers and dates a registration indexes are
// spread over their whole indexes, so each insert touches pages anywhere in them; at
// scale 400 the database passed 256 MB within January and February's registrations
// went at half January's rate, every insert rereading its index pages from the file.
func loadCacheKiB(scale int) int {
	return max(256, 8*scale) * 1024
}

// Event priorities within a day.
const (
	prioCreate = iota
	prioCounsel
	prioApprove
	prioReturn
	prioSession
	prioActivity
	prioReferral
	prioFollowUp
	prioPlan
	prioApproveSupport
	prioDeliver
	prioCancel
	prioClose
)

func (l *loader) add(day, prio int, do func(ctx context.Context) error) {
	l.events = append(l.events, event{day: day, prio: prio, seq: len(l.events), do: do})
}

func (l *loader) scope(actor int) models.Scope { return l.actors[actor].User.Scope() }

// supervisorOf is who approves and closes a case: Oujda's own supervisor for Oujda.
func supervisorOf(p *person) int {
	if p.office == officeOUJ {
		return actorSupervisorOUJ
	}
	return actorSupervisor
}

// move applies one workflow step through the case store.
func (l *loader) move(p *person, actor int, in models.TransitionInput) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		in.Version = p.version
		cs, err := l.st.Cases.Move(ctx, l.actors[actor], l.scope(actor), p.id, in)
		if err != nil {
			return fmt.Errorf("case %s to %s: %w", p.number, in.To, err)
		}
		p.version, p.status = cs.Version, cs.Status
		return nil
	}
}

// schedule turns the plan into store calls, each on its record's day.
func (l *loader) schedule() {
	pl := l.pl
	ds := func(day int) string { return pl.date(day).String() }
	for _, p := range pl.people {
		cw := p.office
		l.add(p.reg, prioCreate, func(ctx context.Context) error {
			in := p.in
			in.OfficeID = *l.actors[cw].User.OfficeID
			in.AssignedToID = l.actors[cw].User.ID
			cs, err := l.st.Cases.Create(ctx, l.actors[cw], l.scope(cw), in)
			if err != nil {
				return fmt.Errorf("create case %d: %w", p.n, err)
			}
			p.id, p.number, p.version, p.status = cs.ID, cs.CaseNumber, cs.Version, cs.Status
			return nil
		})
		if p.counsel >= 0 {
			l.add(p.counsel, prioCounsel, l.move(p, cw, models.TransitionInput{To: string(models.StatusCounselled), Date: ds(p.counsel)}))
		}
		if p.approve >= 0 {
			l.add(p.approve, prioApprove, l.move(p, supervisorOf(p), models.TransitionInput{To: string(models.StatusApproved), Date: ds(p.approve)}))
		}
		if p.stage == stReturned {
			l.add(p.arr, prioReturn, l.move(p, cw, models.TransitionInput{To: string(models.StatusReturned), Date: ds(p.dep),
				DepartureDate: ds(p.dep), ArrivalDate: ds(p.arr), TravelRoute: p.route, Escort: p.escort, ReceivedBy: p.receivedBy}))
		}
		if p.closeOn >= 0 {
			l.add(p.closeOn, prioClose, l.move(p, supervisorOf(p), models.TransitionInput{To: string(models.StatusClosed),
				Date: ds(p.closeOn), Reason: p.closeReason}))
		}
	}
	for _, s := range pl.sessions {
		l.add(s.day, prioSession, func(ctx context.Context) error {
			title := "Séance d'information : défis et opportunités au pays d'origine"
			if s.kind == models.TrainingSession {
				title = "Formation : développement personnel, entrepreneuriat et marketing"
			}
			a := l.actors[s.creator]
			gs, err := l.st.GroupSessions.Create(ctx, a, a.User.Scope(), models.SessionInput{Kind: string(s.kind), Title: title,
				Date: ds(s.day), Place: s.place, Facilitator: s.facil, Office: *l.actors[s.office].User.OfficeID})
			if err != nil {
				return fmt.Errorf("create session: %w", err)
			}
			s.id = gs.ID
			var numbers []string
			for _, p := range s.attendees {
				numbers = append(numbers, p.number)
			}
			if _, err := l.st.GroupSessions.AddAttendance(ctx, a, a.User.Scope(), gs.ID, numbers); err != nil {
				return fmt.Errorf("attendance of session %d: %w", gs.ID, err)
			}
			return nil
		})
	}
	for _, ac := range pl.activities {
		l.add(ac.day, prioActivity, func(ctx context.Context) error {
			cw := ac.p.office
			_, err := l.st.Activities.Record(ctx, l.actors[cw], l.scope(cw), ac.p.id,
				models.ActivityInput{Kind: ac.kind, Mode: ac.mode, Date: ds(ac.day), Note: ac.note})
			return err
		})
	}
	for _, rf := range pl.referrals {
		cw := rf.p.office
		l.add(rf.day, prioReferral, func(ctx context.Context) error {
			r, err := l.st.Referrals.Create(ctx, l.actors[cw], l.scope(cw), rf.p.id,
				models.ReferralInput{Partner: rf.partner, Purpose: rf.purpose, Date: ds(rf.day)})
			if err != nil {
				return fmt.Errorf("referral of %s: %w", rf.p.number, err)
			}
			rf.id = r.ID
			return nil
		})
		if rf.accepted >= 0 {
			l.add(rf.accepted, prioFollowUp, func(ctx context.Context) error {
				return l.st.Referrals.FollowUp(ctx, l.actors[cw], l.scope(cw), rf.p.id, rf.id, models.FollowUpInput{Status: string(models.ReferralAccepted)})
			})
		}
		if rf.closed >= 0 {
			l.add(rf.closed, prioFollowUp, func(ctx context.Context) error {
				in := models.FollowUpInput{Status: rf.final, Outcome: rf.outcome, Reason: rf.rejectWhy}
				if rf.satisfaction > 0 {
					in.Satisfaction = fmt.Sprint(rf.satisfaction)
				}
				return l.st.Referrals.FollowUp(ctx, l.actors[cw], l.scope(cw), rf.p.id, rf.id, in)
			})
		}
	}
	type batchKey struct{ day, approver int }
	batches := map[batchKey][]*supportRec{}
	var keys []batchKey
	for _, sr := range pl.supports {
		l.add(sr.plan, prioPlan, func(ctx context.Context) error {
			in := models.SupportInput{Type: string(sr.typ), Description: sr.desc, Amount: sr.amount, Currency: sr.currency,
				Date: ds(sr.plan), FundedByOffice: sr.funded}
			s, err := l.st.Support.Plan(ctx, l.actors[sr.planner], l.scope(sr.planner), sr.p.id, in)
			if err != nil {
				return fmt.Errorf("plan support for %s: %w", sr.p.number, err)
			}
			sr.id = s.ID
			return nil
		})
		if sr.approve >= 0 {
			k := batchKey{sr.approve, sr.approver}
			if batches[k] == nil {
				keys = append(keys, k)
			}
			batches[k] = append(batches[k], sr)
		}
		if sr.deliver >= 0 {
			l.add(sr.deliver, prioDeliver, func(ctx context.Context) error {
				cw := sr.p.office
				if err := l.st.Support.Deliver(ctx, l.actors[cw], l.scope(cw), sr.p.id, sr.id, 0, ds(sr.deliver)); err != nil {
					return fmt.Errorf("deliver support to %s: %w", sr.p.number, err)
				}
				if sr.p.status == models.StatusReturned {
					sr.p.status, sr.p.version = models.StatusReintegration, sr.p.version+1
				}
				return nil
			})
		}
		if sr.cancel >= 0 {
			l.add(sr.cancel, prioCancel, func(ctx context.Context) error {
				cw := sr.p.office
				return l.st.Support.Cancel(ctx, l.actors[cw], l.scope(cw), sr.p.id, sr.id, 0, sr.cancelWhy)
			})
		}
	}
	slices.SortFunc(keys, func(a, b batchKey) int {
		return cmp.Or(cmp.Compare(a.day, b.day), cmp.Compare(a.approver, b.approver))
	})
	for _, k := range keys {
		recs := batches[k]
		l.add(k.day, prioApproveSupport, func(ctx context.Context) error {
			ids := make([]uint, len(recs))
			for i, sr := range recs {
				ids[i] = sr.id
			}
			_, err := l.st.Support.ApproveMany(ctx, l.actors[k.approver], l.scope(k.approver), ids)
			if err != nil {
				return fmt.Errorf("approve %d support records: %w", len(ids), err)
			}
			return nil
		})
	}
	slices.SortStableFunc(l.events, func(a, b event) int {
		return cmp.Or(cmp.Compare(a.day, b.day), cmp.Compare(a.prio, b.prio), cmp.Compare(a.seq, b.seq))
	})
}

// run makes the store calls in order, the clock spreading each day's calls over
// office hours, and reports progress at the end of each month.
func (l *loader) run(ctx context.Context, out io.Writer, started time.Time) error {
	pl := l.pl
	cases := 0
	for i := 0; i < len(l.events); {
		j := i
		for j < len(l.events) && l.events[j].day == l.events[i].day {
			j++
		}
		day := pl.date(l.events[i].day).Time()
		if err := l.day(ctx, day, l.events[i:j], &cases); err != nil {
			return err
		}
		// PostgreSQL plans from statistics taken while the tables were nearly empty
		// read whole tables or indexes for every registration (the duplicate check
		// through the office's index rather than the name's); the statistics are
		// refreshed each time the cases have doubled, as a database in use would be.
		if cases >= 2*l.analyzedAt+64 {
			if err := l.db.Analyze(ctx); err != nil {
				return err
			}
			l.analyzedAt = cases
		}
		if j == len(l.events) || pl.date(l.events[j].day).Time().Month() != day.Month() {
			fmt.Fprintf(out, "demo: %s %d done, %d cases so far (%s)\n", day.Month(), day.Year(), cases,
				time.Since(started).Round(100*time.Millisecond))
		}
		i = j
	}
	return nil
}

// callsPerTx is how many store calls the loader commits at once: a commit writes each
// page it changed to the WAL, and the calls of a day change the same pages (the summary
// tables, the audit log, the indexes' last pages) over and over. At scale 1, 64 calls
// per commit took a load from 42 s to 22 s; more gained nothing.
//
// The calls of a batch run in its transaction without a savepoint each (a store's own
// transaction is not nested): a call that fails ends the load, so nothing would be
// rolled back to one, and each savepoint copied every page its call changed into a
// journal in memory first. Without them the scale-1 load took 19 s instead of 22, and
// the scale-40 one 20 minutes instead of 25.
const callsPerTx = 64

// day makes one day's store calls, the clock spreading them over office hours.
func (l *loader) day(ctx context.Context, day time.Time, evs []event, cases *int) error {
	step := 9 * time.Hour / time.Duration(len(evs))
	for start := 0; start < len(evs); start += callsPerTx {
		end := min(start+callsPerTx, len(evs))
		err := l.db.Tx(ctx, func(tx *gorm.DB) error {
			stores := l.st
			l.st = stores.Bound(tx.Session(&gorm.Session{DisableNestedTransaction: true})) // see callsPerTx
			defer func() { l.st = stores }()
			for k := start; k < end; k++ {
				if err := ctx.Err(); err != nil {
					return err
				}
				at := day.Add(8*time.Hour + 30*time.Minute + time.Duration(k)*step)
				if !l.today.IsZero() && at.After(l.today) {
					at = l.today
				}
				l.clk.set(at)
				if evs[k].prio == prioCreate {
					*cases++
				}
				if err := evs[k].do(ctx); err != nil {
					return fmt.Errorf("demo, %s: %w", day.Format("2006-01-02"), err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
