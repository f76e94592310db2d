package models

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// AuditEvent is an append-only record of who did what, when and from where. It names
// the fields that changed, never their values.
type AuditEvent struct {
	ID         uint
	At         time.Time
	UserID     *uint
	UserEmail  string
	IP         string
	Action     string
	RecordType string
	RecordID   string
	// Fields is a comma-separated list of the names of the fields that changed.
	Fields string
	// Details holds non-personal context, such as an export's filters and row count.
	Details string
}

// Actor is who does something, for the audit log: the user (nil when anonymous) and
// the client address.
type Actor struct {
	User *User
	IP   string
}

// Event starts an audit event for this actor.
func (a Actor) Event(action, recordType, recordID string) AuditEvent {
	ev := AuditEvent{IP: a.IP, Action: action, RecordType: recordType, RecordID: recordID}
	if a.User != nil {
		id := a.User.ID
		ev.UserID = &id
		ev.UserEmail = a.User.Email
	}
	return ev
}

// auditToken is what a details value may be: an id, a code, a date, a hash, a count, a
// status, a filter's validated value. Names and sentences are none of these.
var auditToken = regexp.MustCompile(`^[A-Za-z0-9_.:+-]{0,80}$`)

// auditFlag is a bare word allowed in details: a lower-case flag name.
var auditFlag = regexp.MustCompile(`^[a-z]+(_[a-z]+)+$`)

// CleanDetails keeps an event's details to key=token words: a value with spaces or
// other characters becomes "key=(text)" and a word that is no key=value pair goes.
// Writers put only ids and validated values in details (free text stays on the record,
// which the event names); this is the net under them, so a reason or a name typed by
// someone never reaches the audit log or audit.csv whole.
func CleanDetails(s string) string {
	words := strings.Fields(s)
	out := words[:0]
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			// A bare flag (duplicate_checked) stays; any other word goes.
			if auditFlag.MatchString(w) {
				out = append(out, w)
			}
			continue
		}
		if k == "" || !auditToken.MatchString(k) {
			continue
		}
		if !auditToken.MatchString(v) {
			w = k + "=(text)"
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// auditFilterValues are the audit filter values recorded as they are in the audit
// export's own event, by filter: ids, case numbers, action and record type names, dates.
var auditFilterValues = map[string]*regexp.Regexp{
	"user":        regexp.MustCompile(`^[0-9]+$`),
	"record_id":   regexp.MustCompile(`^([0-9]+|[A-Z]{3}-[0-9]{4}-[0-9]{5})$`),
	"action":      regexp.MustCompile(`^[a-z_.]+$`),
	"record_type": regexp.MustCompile(`^[a-z_]+$`),
	"from":        regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`),
	"to":          regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`),
}

// filterDetails records the audit filters typed for an export, keeping out typed text
// (a name looked for in record_id): it becomes "(text)".
func filterDetails(details string) string {
	words := strings.Fields(details)
	for i, w := range words {
		if k, v, ok := strings.Cut(w, "="); ok && (auditFilterValues[k] == nil || !auditFilterValues[k].MatchString(v)) {
			words[i] = k + "=(text)"
		}
	}
	return strings.Join(words, " ")
}

// AuditStore writes and reads the audit log. It has no update or delete method.
type AuditStore struct {
	db  *DB
	now func() time.Time
	// Log receives the failures of events queued without waiting (Enqueue); nil is
	// slog's default logger.
	Log *slog.Logger

	// Events recorded on their own (Record) are written in groups: while one group is
	// being saved, the events that arrive wait and go together in the next transaction.
	// Each caller still returns only once its event is saved, but a burst of case-file
	// views costs one commit (one fsync on SQLite), not one each.
	mu       sync.Mutex
	pending  []*pendingEvent
	flushing bool
	// wake cuts short the wait of queued events when someone waits on an event.
	wake chan struct{}
	// lost is the failure of queued events (nobody waited on them) since the last Drain,
	// which reports it: they may have failed in a group saved before the Drain began.
	lost error
}

type pendingEvent struct {
	ev AuditEvent
	// done receives the group's result; nil for an event queued without waiting.
	done chan error
	// barrier marks a Drain: no event, only a signal once the events before it are saved.
	barrier bool
}

// NewAuditStore builds the store.
func NewAuditStore(db *DB, now func() time.Time) *AuditStore {
	return &AuditStore{db: db, now: now, wake: make(chan struct{}, 1)}
}

// Record appends one event on its own, and returns once it is saved (or ctx ends:
// the event may then be saved or not).
func (s *AuditStore) Record(ctx context.Context, ev AuditEvent) error {
	if ev.At.IsZero() {
		ev.At = s.now().UTC()
	}
	ev.Details = CleanDetails(ev.Details)
	p := &pendingEvent{ev: ev, done: make(chan error, 1)}
	s.queue(p)
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("record audit event %s: %w", ev.Action, ctx.Err())
	}
}

// Enqueue appends one event without waiting for it to be saved: it goes with the next
// group. It is for reads (a case file opened), which must not wait behind the office's
// write queue for their access record; changes are recorded in their own transaction
// (RecordTx). Drain waits for the queued events; Awda drains at shutdown, and before
// the audit log is read, so the log never misses an event queued before the reading.
func (s *AuditStore) Enqueue(ev AuditEvent) {
	if ev.At.IsZero() {
		ev.At = s.now().UTC()
	}
	ev.Details = CleanDetails(ev.Details)
	s.queue(&pendingEvent{ev: ev})
}

// Drain waits until every event queued before it is saved (or ctx ends). It fails when
// one of them could not be saved, whether in its own group or an earlier one.
func (s *AuditStore) Drain(ctx context.Context) error {
	p := &pendingEvent{barrier: true, done: make(chan error, 1)}
	s.queue(p)
	select {
	case err := <-p.done:
		s.mu.Lock()
		lost := s.lost
		s.lost = nil
		s.mu.Unlock()
		if err == nil {
			err = lost
		}
		return err
	case <-ctx.Done():
		return fmt.Errorf("wait for queued audit events: %w", ctx.Err())
	}
}

func (s *AuditStore) queue(p *pendingEvent) {
	s.mu.Lock()
	s.pending = append(s.pending, p)
	if !s.flushing {
		s.flushing = true
		go s.flush()
	}
	s.mu.Unlock()
	if p.done != nil {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// flush saves the waiting groups until none is left; one runs at a time. A group in
// which nobody waits (only queued case views) is held for queuedAuditDelay to gather
// more: each commit takes SQLite's single writer from the office's saved work, and
// case views written a few at a time made every form post wait three times longer.
func (s *AuditStore) flush() {
	s.mu.Lock()
	for len(s.pending) > 0 {
		if !anyWaiting(s.pending) && len(s.pending) < maxAuditGroup {
			s.mu.Unlock()
			select {
			case <-time.After(queuedAuditDelay):
			case <-s.wake: // a sign-in or a Drain: save now, queued events with it
			}
			s.mu.Lock()
		}
		group := s.pending
		s.pending = nil
		// A wake sent for a waiter of this group is spent: left in the channel, it would
		// cut short the hold of the next group of queued views.
		select {
		case <-s.wake:
		default:
		}
		s.mu.Unlock()
		s.saveGroup(group)
		s.mu.Lock()
	}
	s.flushing = false
	s.mu.Unlock()
}

// queuedAuditDelay is how long queued events may wait to be saved with others.
const queuedAuditDelay = 100 * time.Millisecond

// anyWaiting reports whether a caller waits on one of the events (or on a Drain).
func anyWaiting(group []*pendingEvent) bool {
	for _, p := range group {
		if p.done != nil {
			return true
		}
	}
	return false
}

// maxAuditGroup bounds one group's INSERT.
const maxAuditGroup = 200

// saveGroup writes a group of events in one statement and tells each caller. It is
// bounded like a request, so a database that stops answering fails the group.
func (s *AuditStore) saveGroup(group []*pendingEvent) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for len(group) > 0 {
		n := min(len(group), maxAuditGroup)
		evs := make([]AuditEvent, 0, n)
		queued := 0
		for _, p := range group[:n] {
			if p.barrier {
				continue
			}
			evs = append(evs, p.ev)
			if p.done == nil {
				queued++
			}
		}
		var err error
		if len(evs) > 0 {
			if err = s.db.Write.WithContext(ctx).Create(&evs).Error; err != nil {
				err = fmt.Errorf("record %d audit events: %w", len(evs), err)
			}
		}
		if err != nil && queued > 0 {
			log := s.Log
			if log == nil {
				log = slog.Default()
			}
			log.Error("queued audit events lost", "events", queued, "error", err.Error())
			s.mu.Lock()
			s.lost = err
			s.mu.Unlock()
		}
		for _, p := range group[:n] {
			if p.done != nil {
				p.done <- err
			}
		}
		group = group[n:]
	}
}

// RecordTx appends one event inside a caller's transaction, so the event and the
// change it describes are saved together or not at all.
func (s *AuditStore) RecordTx(tx *gorm.DB, ev AuditEvent) error {
	if ev.At.IsZero() {
		ev.At = s.now().UTC()
	}
	ev.Details = CleanDetails(ev.Details)
	if err := tx.Create(&ev).Error; err != nil {
		return fmt.Errorf("record audit event %s: %w", ev.Action, err)
	}
	return nil
}

// AuditFilter selects audit events.
type AuditFilter struct {
	UserID     *uint
	Action     string
	RecordType string
	RecordID   string
	From, To   time.Time
	Page       int
	PerPage    int
}

// AuditList is one page of audit events and how many the filter selects.
type AuditList struct {
	Events []AuditEvent
	// Total is the number of events selected, exact unless More is set: then more
	// than Total are selected (see AuditCountedEvents).
	Total int64
	More  bool
}

// AuditCountedEvents is how many selected events List counts, at least: the log keeps
// every view and change ever made (over a million events on the scale-40 demo), and
// counting all that an unfiltered or broad filter selects read them all for a pager's
// last page number (70 ms there, ten times that at scale 400). Counting stops past
// this many, or past the page read when it is further.
const AuditCountedEvents = 10_000

// List returns events newest first, one page at a time, and how many the filter
// selects, counted up to AuditCountedEvents or the page read.
func (s *AuditStore) List(ctx context.Context, f AuditFilter) (AuditList, error) {
	var out AuditList
	if err := s.Drain(ctx); err != nil {
		return out, err
	}
	per := f.PerPage
	if per <= 0 {
		per = 50
	}
	page := max(f.Page, 1)
	db := s.db.Read.WithContext(ctx)
	bound := max(AuditCountedEvents, page*per)
	if err := db.Table("(?) AS selected", s.filtered(db, f).Select("1").Limit(bound+1)).Count(&out.Total).Error; err != nil {
		return out, fmt.Errorf("count audit events: %w", err)
	}
	if out.Total > int64(bound) {
		out.Total, out.More = int64(bound), true
	}
	if err := s.filtered(db, f).Order("at DESC, id DESC").Limit(per).Offset((page - 1) * per).Find(&out.Events).Error; err != nil {
		return out, fmt.Errorf("list audit events: %w", err)
	}
	return out, nil
}

// AuditColumns is the header row of audit.csv.
var AuditColumns = []string{"at", "user_id", "user_email", "ip", "action", "record_type", "record_id", "fields", "details"}

func (s *AuditStore) filtered(db *gorm.DB, f AuditFilter) *gorm.DB {
	q := db.Model(&AuditEvent{})
	if f.UserID != nil {
		q = q.Where("user_id = ?", *f.UserID)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.RecordType != "" {
		q = q.Where("record_type = ?", f.RecordType)
	}
	if f.RecordID != "" {
		q = q.Where("record_id = ?", f.RecordID)
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From)
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To)
	}
	return q
}

// Stream writes every event matching the filter, newest first, one row at a time, and
// records the export itself as an audit event.
func (s *AuditStore) Stream(ctx context.Context, actor Actor, f AuditFilter, details string, emit func([]string) error) (int, error) {
	if err := s.Drain(ctx); err != nil {
		return 0, err
	}
	rows, err := s.filtered(s.db.Stream.WithContext(ctx), f).Order("at DESC, id DESC").Rows()
	if err != nil {
		return 0, fmt.Errorf("export audit: %w", err)
	}
	defer rows.Close()
	n := 0
	row := make([]string, 0, len(AuditColumns))
	for rows.Next() {
		var ev AuditEvent
		if err := s.db.Read.ScanRows(rows, &ev); err != nil {
			return n, fmt.Errorf("scan audit: %w", err)
		}
		uid := ""
		if ev.UserID != nil {
			uid = fmt.Sprint(*ev.UserID)
		}
		row = append(row[:0], ev.At.UTC().Format(time.RFC3339), uid, ev.UserEmail, ev.IP, ev.Action, ev.RecordType,
			ev.RecordID, ev.Fields, ev.Details)
		if err := emit(row); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	ev := actor.Event("export.audit", "export", "audit")
	ev.Details = strings.TrimSpace(fmt.Sprintf("%s rows=%d", filterDetails(details), n))
	return n, s.Record(context.WithoutCancel(ctx), ev)
}

// Actions lists the distinct actions recorded, for the audit page's filter. They are
// read as a skip through the index by action, one lookup per action (the next action
// after the last one found): a DISTINCT read every entry of the index, a million on
// the scale-40 demo, for fifteen names.
func (s *AuditStore) Actions(ctx context.Context) ([]string, error) {
	var out []string
	err := s.db.Read.WithContext(ctx).Raw(`WITH RECURSIVE found(action) AS (
			SELECT MIN(action) FROM audit_events
			UNION ALL
			SELECT (SELECT MIN(e.action) FROM audit_events e WHERE e.action > found.action) FROM found
			WHERE found.action IS NOT NULL)
		SELECT action FROM found WHERE action IS NOT NULL`).Scan(&out).Error
	return out, err
}

// Recent returns the latest events of some actions, newest first.
func (s *AuditStore) Recent(ctx context.Context, limit int, actions ...string) ([]AuditEvent, error) {
	var out []AuditEvent
	err := s.db.Read.WithContext(ctx).Where("action IN ?", actions).Order("at DESC, id DESC").Limit(limit).Find(&out).Error
	return out, err
}
