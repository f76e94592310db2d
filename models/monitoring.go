package models

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// VisitKinds are a baseline (before or at return, once per case) and follow-ups.
var VisitKinds = []string{"baseline", "followup"}

// VisitMethods are how a visit happens.
var VisitMethods = []string{"in_person", "phone"}

// FollowupWindowDays is the tolerance around a follow-up's planned date: it is listed as
// due from this many days before the date and becomes overdue this many days after it.
const FollowupWindowDays = 14

// InstrumentVersion is one published version of the monitoring instrument.
type InstrumentVersion struct {
	ID            uint
	Version       int
	Definition    string
	Checksum      string
	IsDefault     bool
	PublishedByID *uint
	PublishedAt   time.Time

	Instrument *Instrument `gorm:"-"`
}

func (InstrumentVersion) TableName() string { return "monitoring_instruments" }

// Visit is a monitoring visit with its stored scores.
type Visit struct {
	ID                uint
	CaseID            uint
	Date              Date
	InstrumentID      uint
	InstrumentVersion int
	Kind              string
	Method            string
	// InterviewerID is the user who recorded the visit; Interviewer is who conducted
	// it, as typed (often a partner's staff without an account).
	InterviewerID uint
	Interviewer   string
	Notes         string
	Composite     *float64
	Band          string
	// Version counts the saves of the visit: a correction names the version it was
	// made from, and one made from a stale form is refused.
	Version   int
	CreatedAt time.Time
	// UpdatedAt is when the visit was last corrected; nil if never.
	UpdatedAt *time.Time `gorm:"autoUpdateTime:false"`

	// Dimensions and Indicators are the stored scores by code (loaded by ForCase).
	Dimensions map[string]*float64 `gorm:"-"`
	Indicators map[string]*float64 `gorm:"-"`
}

func (Visit) TableName() string { return "monitoring_visits" }

// VisitAnswer is the stored answer to one question of a visit.
type VisitAnswer struct {
	VisitID  uint `gorm:"primaryKey;autoIncrement:false"`
	Question string
	Answer   string
	Value    *float64
}

func (VisitAnswer) TableName() string { return "monitoring_answers" }

// VisitScore is a visit's stored score of one dimension or indicator.
type VisitScore struct {
	VisitID uint `gorm:"primaryKey;autoIncrement:false"`
	Level   string
	Code    string
	Score   *float64
}

func (VisitScore) TableName() string { return "monitoring_scores" }

// Score levels stored in monitoring_scores.
const (
	LevelDimension = "dimension"
	LevelIndicator = "indicator"
)

// MonitoringStore keeps the instrument's versions and the scored visits.
type MonitoringStore struct {
	db     *DB
	now    func() time.Time
	audit  *AuditStore
	parsed parsedInstruments
}

// NewMonitoringStore builds the store.
func NewMonitoringStore(db *DB, now func() time.Time, audit *AuditStore) *MonitoringStore {
	return &MonitoringStore{db: db, now: now, audit: audit}
}

// instrumentLock serialises publishing, so that two versions never get one number.
const instrumentLock = "monitoring_instrument"

// ensureInstrument publishes the shipped default as version 1 when no version exists
// yet, and returns the current (highest) version.
func (s *MonitoringStore) ensureInstrument(tx *gorm.DB) (*InstrumentVersion, error) {
	if err := s.db.lockKeys(tx, instrumentLock); err != nil {
		return nil, err
	}
	iv, err := latestInstrument(tx)
	if !errors.Is(err, ErrNotFound) {
		return iv, err
	}
	ins, err := ParseInstrument(defaultInstrumentJSON)
	if err != nil {
		return nil, fmt.Errorf("the default instrument: %w", err)
	}
	iv = newInstrumentVersion(1, defaultInstrumentJSON, ins, nil, s.now())
	if err := tx.Create(iv).Error; err != nil {
		return nil, fmt.Errorf("publish the default instrument: %w", err)
	}
	return iv, nil
}

func newInstrumentVersion(version int, data []byte, ins *Instrument, by *uint, at time.Time) *InstrumentVersion {
	sum := sha256.Sum256(data)
	return &InstrumentVersion{Version: version, Definition: string(data), Checksum: hex.EncodeToString(sum[:]),
		IsDefault: ins.Default, PublishedByID: by, PublishedAt: at.UTC(), Instrument: ins}
}

func latestInstrument(tx *gorm.DB) (*InstrumentVersion, error) {
	iv, err := latestInstrumentRow(tx)
	if err != nil {
		return nil, err
	}
	return iv, iv.parse()
}

// latestInstrumentRow is the current version as stored, its definition not parsed.
func latestInstrumentRow(tx *gorm.DB) (*InstrumentVersion, error) {
	var iv InstrumentVersion
	err := tx.Order("version DESC").Limit(1).Take(&iv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load the instrument: %w", err)
	}
	return &iv, nil
}

// parsedInstruments keeps the versions read, their definitions parsed, by id and
// checksum: a published version never changes, and parsing one cost as much as all of
// a home's follow-up queries; reading its 19 KB definition again on every home page
// was a sixth of the follow-up block's time under load. The parsed instruments are
// shared: read them, never change them.
type parsedInstruments struct{ byVersion sync.Map }

func instrumentKey(iv *InstrumentVersion) string { return fmt.Sprintf("%d:%s", iv.ID, iv.Checksum) }

// known returns a copy of the version with iv's id and checksum, if it was read before.
func (p *parsedInstruments) known(iv *InstrumentVersion) (*InstrumentVersion, bool) {
	v, ok := p.byVersion.Load(instrumentKey(iv))
	if !ok {
		return nil, false
	}
	c := *v.(*InstrumentVersion)
	return &c, true
}

func (p *parsedInstruments) parse(iv *InstrumentVersion) error {
	if known, ok := p.known(iv); ok {
		iv.Instrument = known.Instrument
		return nil
	}
	if err := iv.parse(); err != nil {
		return err
	}
	c := *iv
	p.byVersion.Store(instrumentKey(iv), &c)
	return nil
}

// parse fills Instrument from the stored definition (validated when it was published).
func (iv *InstrumentVersion) parse() error {
	ins, err := ParseInstrument([]byte(iv.Definition))
	if err != nil {
		return fmt.Errorf("instrument version %d: %w", iv.Version, err)
	}
	iv.Instrument = ins
	return nil
}

// Current returns the instrument visits are scored with now; the default is published
// as version 1 the first time.
func (s *MonitoringStore) Current(ctx context.Context) (*InstrumentVersion, error) {
	// The current version's id and checksum first: the whole row only the first time.
	// Written as SQL: every home asks, and gorm's building was most of the read's time.
	var head InstrumentVersion
	err := s.db.Read.WithContext(ctx).Raw("SELECT id, checksum FROM monitoring_instruments ORDER BY version DESC LIMIT 1").
		Row().Scan(&head.ID, &head.Checksum)
	if err == nil {
		if known, ok := s.parsed.known(&head); ok {
			return known, nil
		}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("load the instrument: %w", err)
	}
	iv, err := latestInstrumentRow(s.db.Read.WithContext(ctx))
	if err == nil {
		return iv, s.parsed.parse(iv)
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		iv, err = s.ensureInstrument(tx)
		return err
	})
	return iv, err
}

// Versions lists every published version, newest first, with its definition parsed.
func (s *MonitoringStore) Versions(ctx context.Context) ([]InstrumentVersion, error) {
	if _, err := s.Current(ctx); err != nil {
		return nil, err
	}
	var out []InstrumentVersion
	if err := s.db.Read.WithContext(ctx).Order("version DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list instrument versions: %w", err)
	}
	for i := range out {
		if err := out[i].parse(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Publish validates an uploaded definition and makes it the next version. Visits
// already recorded keep the version they were scored with.
func (s *MonitoringStore) Publish(ctx context.Context, a Actor, data []byte) (*InstrumentVersion, error) {
	if a.User == nil || a.User.Role != RoleAdmin {
		return nil, ErrForbidden
	}
	ins, err := ParseInstrument(data)
	if err != nil {
		return nil, err
	}
	var iv *InstrumentVersion
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		cur, err := s.ensureInstrument(tx)
		if err != nil {
			return err
		}
		id := a.User.ID
		iv = newInstrumentVersion(cur.Version+1, data, ins, &id, s.now())
		if err := tx.Create(iv).Error; err != nil {
			return fmt.Errorf("publish instrument: %w", err)
		}
		ev := a.Event("monitoring.instrument.publish", "monitoring_instrument", fmt.Sprint(iv.ID))
		ev.Details = fmt.Sprintf("version=%d checksum=%s", iv.Version, iv.Checksum[:16])
		return s.audit.RecordTx(tx, ev)
	})
	if err != nil {
		return nil, err
	}
	return iv, nil
}

// VisitInput is the visit form: the answers are keyed by question code.
type VisitInput struct {
	Kind, Date, Method, Notes string
	// Interviewer is who conducted the visit (the form offers the signed-in user's name).
	Interviewer string
	// InstrumentVersion is the version the form was drawn with; a form drawn before a
	// new version was published is shown again with the new questions.
	InstrumentVersion int
	Answers           map[string]string

	date Date
	// interviewerOptional lets a visit file without an interviewer column import.
	interviewerOptional bool
}

// Validate checks the form against the instrument: kind, method, a date not in the
// future, and an answer (dk and refused included) to every question.
func (in *VisitInput) Validate(today Date, iv *InstrumentVersion) FieldErrors {
	fe := FieldErrors{}
	in.Notes = strings.TrimSpace(in.Notes)
	in.Interviewer = strings.TrimSpace(in.Interviewer)
	if !slices.Contains(VisitKinds, in.Kind) {
		fe.Add("kind", "error.choose_value")
	}
	if !slices.Contains(VisitMethods, in.Method) {
		fe.Add("method", "error.choose_value")
	}
	in.date = cwRequireDate(fe, "date", in.Date)
	if !in.date.IsZero() && in.date.After(today) {
		fe.Add("date", "casework.error.date_future")
	}
	checkText(fe, "interviewer", in.Interviewer, !in.interviewerOptional)
	checkText(fe, "notes", in.Notes, false)
	if in.InstrumentVersion != 0 && in.InstrumentVersion != iv.Version {
		fe.Add("instrument_version", "monitoring.error.instrument_changed")
		return fe
	}
	for k, v := range iv.Instrument.AnswerErrors(in.Answers) {
		fe.Add(k, v)
	}
	return fe
}

// caseReturnDate is the day a case came back: the arrival date, else the departure
// date, else the day it was moved to returned; zero before return.
func caseReturnDate(tx *gorm.DB, cs *Case) (Date, error) {
	if !cs.ArrivalDate.IsZero() {
		return cs.ArrivalDate, nil
	}
	if !cs.DepartureDate.IsZero() {
		return cs.DepartureDate, nil
	}
	var d []Date
	err := tx.Table("status_changes").Where("case_id = ? AND to_status = ?", cs.ID, StatusReturned).
		Order("date").Limit(1).Pluck("date", &d).Error
	if err != nil || len(d) == 0 {
		return Date{}, err
	}
	return d[0], nil
}

// RecordVisit scores and saves a visit on a case in scope, with the current instrument.
// A case has one baseline; a follow-up needs a case that has returned, and is dated on
// or after the return.
func (s *MonitoringStore) RecordVisit(ctx context.Context, a Actor, scope Scope, caseID uint, in VisitInput) (*Visit, error) {
	if err := cwCanWrite(a); err != nil {
		return nil, err
	}
	var v *Visit
	err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		cs, err := caseForWrite(tx, scope, caseID)
		if err != nil {
			return err
		}
		iv, err := s.ensureInstrument(tx)
		if err != nil {
			return err
		}
		fe := in.Validate(DateOf(s.now()), iv)
		if err := s.checkVisitForCase(tx, cs, &in, fe); err != nil {
			return err
		}
		if err := fe.Err(); err != nil {
			return err
		}
		sc, err := iv.Instrument.Score(in.Answers)
		if err != nil {
			return err
		}
		v = &Visit{CaseID: cs.ID, Date: in.date, InstrumentID: iv.ID, InstrumentVersion: iv.Version, Kind: in.Kind,
			Method: in.Method, InterviewerID: a.User.ID, Interviewer: in.Interviewer, Notes: in.Notes, Version: 1, Composite: sc.Composite,
			Band: iv.Instrument.Band(sc.Composite), CreatedAt: s.now().UTC(), Dimensions: sc.Dimensions, Indicators: sc.Indicators}
		if err := saveVisit(tx, v, iv.Instrument, in.Answers, sc); err != nil {
			return err
		}
		ev := a.Event("monitoring.visit.create", "monitoring_visit", fmt.Sprint(v.ID))
		ev.Fields = "kind,date,method,interviewer,answers,notes"
		ev.Details = fmt.Sprintf("case=%d version=%d", cs.ID, iv.Version)
		return s.audit.RecordTx(tx, ev)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// checkVisitForCase adds the errors that depend on the case's other records.
func (s *MonitoringStore) checkVisitForCase(tx *gorm.DB, cs *Case, in *VisitInput, fe FieldErrors) error {
	switch in.Kind {
	case "baseline":
		var n int64
		if err := tx.Model(&Visit{}).Where("case_id = ? AND kind = ?", cs.ID, "baseline").Count(&n).Error; err != nil {
			return fmt.Errorf("count baselines: %w", err)
		}
		if n > 0 {
			fe.Add("kind", "monitoring.error.baseline_exists")
		}
	case "followup":
		if cs.Status != StatusReturned && cs.Status != StatusReintegration {
			fe.Add("kind", "monitoring.error.not_returned")
			return nil
		}
		ret, err := caseReturnDate(tx, cs)
		if err != nil {
			return fmt.Errorf("return date: %w", err)
		}
		if !in.date.IsZero() && in.date.Before(ret) {
			fe.Add("date", "monitoring.error.followup_before_return")
		}
	}
	return nil
}

// saveVisit writes a visit, its answers and its scores.
func saveVisit(tx *gorm.DB, v *Visit, ins *Instrument, answers map[string]string, sc Scores) error {
	if err := tx.Create(v).Error; err != nil {
		return fmt.Errorf("record visit: %w", err)
	}
	return saveVisitRows(tx, v, ins, answers, sc)
}

// saveVisitRows writes the answers and scores of a saved visit.
func saveVisitRows(tx *gorm.DB, v *Visit, ins *Instrument, answers map[string]string, sc Scores) error {
	var rows []VisitAnswer
	for _, q := range ins.Questions() {
		rows = append(rows, VisitAnswer{VisitID: v.ID, Question: q.Code, Answer: strings.TrimSpace(answers[q.Code]), Value: sc.Values[q.Code]})
	}
	var scores []VisitScore
	for _, d := range ins.Dimensions {
		scores = append(scores, VisitScore{VisitID: v.ID, Level: LevelDimension, Code: d.Code, Score: sc.Dimensions[d.Code]})
		for _, ind := range d.Indicators {
			scores = append(scores, VisitScore{VisitID: v.ID, Level: LevelIndicator, Code: ind.Code, Score: sc.Indicators[ind.Code]})
		}
	}
	if err := tx.CreateInBatches(rows, 200).Error; err != nil {
		return fmt.Errorf("record answers: %w", err)
	}
	if err := tx.CreateInBatches(scores, 200).Error; err != nil {
		return fmt.Errorf("record scores: %w", err)
	}
	return nil
}

// CaseMonitoring is what a case file shows of monitoring: the visits oldest first with
// their stored scores, the instrument versions they were scored with, and the schedule.
type CaseMonitoring struct {
	Visits []Visit
	// Versions are the instruments of the visits, and the current one, by version.
	Versions map[int]*InstrumentVersion
	Current  *InstrumentVersion
	// ReturnDate is zero before return; Schedule is then empty.
	ReturnDate Date
	Schedule   []PlannedFollowup
	// Band is the band of the latest visit that has a composite score.
	Band string
	// Completed is true when every planned follow-up has been done.
	Completed bool
}

// ForCase loads a case's monitoring, in scope.
func (s *MonitoringStore) ForCase(ctx context.Context, scope Scope, caseID uint) (*CaseMonitoring, error) {
	db := s.db.Read.WithContext(ctx)
	cs, err := caseInScope(db, scope, caseID)
	if err != nil {
		return nil, err
	}
	cur, err := s.Current(ctx)
	if err != nil {
		return nil, err
	}
	m := &CaseMonitoring{Current: cur, Versions: map[int]*InstrumentVersion{cur.Version: cur}}
	if err := db.Where("case_id = ?", caseID).Order("date, id").Find(&m.Visits).Error; err != nil {
		return nil, fmt.Errorf("load visits: %w", err)
	}
	if err := loadVisitScores(db, m.Visits); err != nil {
		return nil, err
	}
	followups := 0
	for _, v := range m.Visits {
		if v.Kind == "followup" {
			followups++
		}
		if v.Composite != nil {
			m.Band = v.Band
		}
		if m.Versions[v.InstrumentVersion] == nil {
			var iv InstrumentVersion
			if err := db.Where("version = ?", v.InstrumentVersion).Take(&iv).Error; err != nil {
				return nil, fmt.Errorf("load instrument version %d: %w", v.InstrumentVersion, err)
			}
			if err := iv.parse(); err != nil {
				return nil, err
			}
			m.Versions[iv.Version] = &iv
		}
	}
	if cs.Status == StatusReturned || cs.Status == StatusReintegration || cs.Status == StatusClosed {
		if m.ReturnDate, err = caseReturnDate(db, cs); err != nil {
			return nil, err
		}
	}
	if !m.ReturnDate.IsZero() {
		m.Schedule = FollowupSchedule(m.ReturnDate, cur.Instrument.Schedule(), followups, DateOf(s.now()))
		m.Completed = followups >= len(cur.Instrument.Schedule())
	}
	return m, nil
}

// loadVisitScores fills the visits' dimension and indicator scores in one query.
func loadVisitScores(db *gorm.DB, visits []Visit) error {
	if len(visits) == 0 {
		return nil
	}
	ids := make([]uint, len(visits))
	at := map[uint]int{}
	for i, v := range visits {
		ids[i] = v.ID
		at[v.ID] = i
		visits[i].Dimensions = map[string]*float64{}
		visits[i].Indicators = map[string]*float64{}
	}
	var scores []VisitScore
	if err := db.Where("visit_id IN ?", ids).Find(&scores).Error; err != nil {
		return fmt.Errorf("load scores: %w", err)
	}
	for _, sc := range scores {
		v := &visits[at[sc.VisitID]]
		if sc.Level == LevelDimension {
			v.Dimensions[sc.Code] = sc.Score
		} else {
			v.Indicators[sc.Code] = sc.Score
		}
	}
	return nil
}

// FollowupState is where a planned follow-up stands on a given day.
type FollowupState string

// Follow-up states.
const (
	FollowupDone     FollowupState = "done"
	FollowupUpcoming FollowupState = "upcoming"
	FollowupDue      FollowupState = "due"
	FollowupOverdue  FollowupState = "overdue"
)

// PlannedFollowup is one follow-up of the schedule.
type PlannedFollowup struct {
	Month int
	Due   Date
	State FollowupState
}

// AddMonthsClamped is the same day n months later, or the month's last day when it is shorter
// (31 January + 1 month is 28 or 29 February).
func (d Date) AddMonthsClamped(n int) Date {
	first := time.Date(d.t.Year(), d.t.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return Date{first.AddDate(0, 0, min(d.t.Day(), last)-1)}
}

// FollowupSchedule plans the follow-ups of a case that returned on returned, at the
// given months after return, of which done have taken place (they count in order: the
// second follow-up recorded is the second planned one). A follow-up not yet done is due
// from FollowupWindowDays before its date to FollowupWindowDays after it, and overdue
// from the day after.
func FollowupSchedule(returned Date, months []int, done int, today Date) []PlannedFollowup {
	out := make([]PlannedFollowup, len(months))
	for i, m := range months {
		p := PlannedFollowup{Month: m, Due: returned.AddMonthsClamped(m)}
		switch {
		case i < done:
			p.State = FollowupDone
		case today.After(p.Due.AddDays(FollowupWindowDays)):
			p.State = FollowupOverdue
		case today.Before(p.Due.AddDays(-FollowupWindowDays)):
			p.State = FollowupUpcoming
		default:
			p.State = FollowupDue
		}
		out[i] = p
	}
	return out
}
