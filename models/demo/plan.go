package demo

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"awda/models"
)

// The 2021 figures of the office's report, at scale 1 (REPORT-2021.md).
const (
	Returns          = 2377
	Informed         = 1925
	Trained          = 664
	FundedByOffice   = 156
	InboundSupported = 216
	// Non-cancelled support records by type: 58 %, 37 %, 4 % and 1 % of 3,000.
	MicroProjects   = 1740
	CashRecords     = 1110
	MedicalRecords  = 120
	TrainingRecords = 30
)

// Sizes of the rest of the dataset, at scale 1.
const (
	lateRegistered   = 250 // outbound people registered late in the year, not yet returned
	closedEarly      = 60  // outbound cases closed before any return (withdrawn mostly)
	cancelledRecords = 30  // cancelled support, excluded from every figure
)

// actor indexes: 0..8 the office caseworkers, then the supervisors and the admin.
const (
	actorSupervisor    = 9
	actorSupervisorOUJ = 10
	actorAdmin         = 11
	officeOUJ          = 2
)

type stage int

const (
	stReturned stage = iota
	stRegistered
	stCounselled
	stApproved
	stClosedEarly
	stInbound
)

// person is one case and its whole year, as days of the year (0 = 1 January).
type person struct {
	n      int
	office int
	dir    models.Direction
	stage  stage
	in     models.CaseInput
	vulns  []string
	minor  bool
	// reg is the registration; -1 marks a step not reached.
	reg, counsel, approve, dep, arr int
	closeOn                         int
	closeReason                     string
	info, train                     []*session
	supports                        []*supportRec
	escort, route, receivedBy       string

	// filled while loading
	id      uint
	number  string
	version int
	status  models.CaseStatus
}

// limit is the last day casework can be recorded on the case (the day before it closes).
func (p *person) limit(last int) int {
	if p.closeOn >= 0 {
		return p.closeOn - 1
	}
	return last
}

type session struct {
	office    int
	kind      models.SessionKind
	day       int
	target    int
	attendees []*person
	creator   int
	place     string
	facil     string
	id        uint
}

type supportRec struct {
	p                                 *person
	typ                               models.SupportType
	plan, approve, deliver, cancel    int
	funded                            bool
	currency, amount, desc, cancelWhy string
	planner, approver                 int
	id                                uint
}

type activityRec struct {
	p                *person
	day              int
	kind, mode, note string
}

type referralRec struct {
	p                         *person
	partner, purpose          string
	day, accepted, closed     int
	final, outcome, rejectWhy string
	satisfaction              int
	id                        uint
}

// plan is the whole dataset, decided before anything is written.
type plan struct {
	year, scale int
	last        int // last day of the year
	r           *rand.Rand
	people      []*person
	sessions    []*session
	supports    []*supportRec
	activities  []activityRec
	referrals   []*referralRec
}

func newPlan(year, scale int) *plan {
	pl := &plan{year: year, scale: scale, r: rand.New(rand.NewPCG(uint64(year), 0xA3DA0000+uint64(scale)))}
	pl.last = time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC).YearDay() - 1
	pl.build()
	return pl
}

func (pl *plan) date(day int) models.Date {
	return models.NewDate(pl.year, time.January, 1).AddDays(day)
}

func (pl *plan) u(a, b int) int {
	if b <= a {
		return a
	}
	return a + pl.r.IntN(b-a+1)
}

func (pl *plan) chance(p float64) bool { return pl.r.Float64() < p }

func (pl *plan) pickW(weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := pl.r.IntN(total)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

func pick[T any](pl *plan, xs []T) T { return xs[pl.r.IntN(len(xs))] }

// apportion splits total by weights with the largest remainder method (ties: first).
func apportion(total int, weights []int) []int {
	sum := 0
	for _, w := range weights {
		sum += w
	}
	out := make([]int, len(weights))
	type rem struct{ i, r int }
	var rems []rem
	given := 0
	for i, w := range weights {
		out[i] = total * w / sum
		given += out[i]
		rems = append(rems, rem{i, total * w % sum})
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return cmp.Compare(b.r, a.r) })
	for k := 0; given < total; k++ {
		out[rems[k].i]++
		given++
	}
	return out
}

func officeWeights(inbound bool) []int {
	var w []int
	for _, o := range officeDefs {
		if inbound {
			w = append(w, o.InboundWeight)
		} else {
			w = append(w, o.Weight)
		}
	}
	return w
}

func (pl *plan) build() {
	S := pl.scale
	pl.buildAttendees(Informed*S, Trained*S)
	// Attending people who did not return, and the rest of the returns.
	returned := 0
	for _, p := range pl.people {
		if p.stage == stReturned {
			returned++
		}
	}
	for o, n := range apportion(Returns*S-returned, officeWeights(false)) {
		for range n {
			p := pl.newPerson(o, models.Outbound)
			p.stage = stReturned
			m := pl.pickW(monthWeights)
			first := time.Date(pl.year, time.Month(m+1), 1, 0, 0, 0, 0, time.UTC).YearDay() - 1
			days := time.Date(pl.year, time.Month(m+2), 0, 0, 0, 0, 0, time.UTC).Day()
			p.dep = min(max(first+pl.r.IntN(days), 11), pl.last-3)
			p.reg = max(0, p.dep-pl.u(12, 70))
			pl.returnTimeline(p)
		}
	}
	for o, n := range apportion(lateRegistered*S, officeWeights(false)) {
		for range n {
			p := pl.newPerson(o, models.Outbound)
			p.reg = pl.last - int(100*math.Pow(pl.r.Float64(), 1.5))
			pl.earlyTimeline(p, []stage{stRegistered, stRegistered, stCounselled, stApproved}[pl.r.IntN(4)])
		}
	}
	for o, n := range apportion(closedEarly*S, officeWeights(false)) {
		for range n {
			p := pl.newPerson(o, models.Outbound)
			p.reg = pl.u(0, pl.last-60)
			pl.closeEarly(p, p.reg+pl.u(10, 60))
		}
	}
	for o, n := range apportion(InboundSupported*S, officeWeights(true)) {
		for range n {
			p := pl.newPerson(o, models.Inbound)
			p.stage = stInbound
			p.reg = pl.u(4, pl.last-21)
		}
	}
	for _, p := range pl.people {
		pl.fillInput(p)
	}
	pl.repeatAttendance()
	pl.buildSupport()
	pl.buildClosures()
	pl.buildCancelled()
	pl.buildActivities()
	pl.buildReferrals()
}

// makeSessions spreads n sessions of an office over [first, lastDay], with attendance
// targets of 5 to 25 that add up to count.
func (pl *plan) makeSessions(office int, kind models.SessionKind, count, avg, first, lastDay int) []*session {
	if count == 0 {
		return nil
	}
	n := max(1, int(math.Round(float64(count)/float64(avg))))
	n = max(n, (count+24)/25)
	if count >= 5 {
		n = min(n, count/5)
	}
	out := make([]*session, n)
	sum := 0
	span := lastDay - first
	for i := range out {
		day := first + (i*span+span/2)/n + pl.u(-2, 2)
		day = min(max(day, first), lastDay)
		switch pl.date(day).Time().Weekday() {
		case time.Saturday:
			day--
		case time.Sunday:
			day++
		}
		s := &session{office: office, kind: kind, day: day, target: pl.u(6, 20), creator: office,
			place: fmt.Sprintf("%s, salle de réunion", officeDefs[office].Name), facil: pick(pl, facilitators)}
		if office == officeOUJ && pl.chance(0.3) {
			s.creator = actorSupervisorOUJ
		}
		if n == 1 {
			s.target = count
		}
		sum += s.target
		out[i] = s
	}
	for sum < count {
		if s := out[pl.r.IntN(n)]; s.target < 25 {
			s.target++
			sum++
		}
	}
	for sum > count {
		if s := out[pl.r.IntN(n)]; s.target > 5 {
			s.target--
			sum--
		}
	}
	slices.SortStableFunc(out, func(a, b *session) int { return cmp.Compare(a.day, b.day) })
	pl.sessions = append(pl.sessions, out...)
	return out
}

// slotsOf lists each session once per free place, shuffled.
func (pl *plan) slotsOf(ss []*session) []*session {
	var out []*session
	for _, s := range ss {
		for range s.target - len(s.attendees) {
			out = append(out, s)
		}
	}
	pl.r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// buildAttendees creates the people who attend sessions: per office, the trained (most
// of them informed too) and the informed, then their timelines around the sessions.
func (pl *plan) buildAttendees(informed, trained int) {
	I := apportion(informed, officeWeights(false))
	T := apportion(trained, officeWeights(false))
	var attending []*person
	for o := range officeDefs {
		infos := pl.makeSessions(o, models.InfoSession, I[o], 13, 7, pl.last-9)
		trains := pl.makeSessions(o, models.TrainingSession, T[o], 12, 14, pl.last-16)
		both := min(int(math.Round(0.88*float64(T[o]))), I[o])
		for i, s := range pl.slotsOf(trains) {
			p := pl.newPerson(o, models.Outbound)
			p.train = []*session{s}
			s.attendees = append(s.attendees, p)
			if i < both {
				var best *session
				for _, c := range infos {
					if len(c.attendees) < c.target && (best == nil || abs(c.day-s.day) < abs(best.day-s.day)) {
						best = c
					}
				}
				p.info = []*session{best}
				best.attendees = append(best.attendees, p)
			}
			attending = append(attending, p)
		}
		for _, s := range pl.slotsOf(infos) {
			p := pl.newPerson(o, models.Outbound)
			p.info = []*session{s}
			s.attendees = append(s.attendees, p)
			attending = append(attending, p)
		}
	}
	returned := 0
	for _, p := range attending {
		a1, a2 := pl.last, 0
		for _, s := range append(slices.Clone(p.info), p.train...) {
			a1, a2 = min(a1, s.day), max(a2, s.day)
		}
		p.reg = max(0, a1-pl.u(1, 21))
		x := pl.r.Float64()
		switch {
		case a2 > pl.last-11 || x >= 0.97 || returned >= Returns*pl.scale:
			pl.earlyTimeline(p, []stage{stRegistered, stCounselled, stCounselled, stApproved}[pl.r.IntN(4)])
		case x < 0.93:
			p.stage = stReturned
			returned++
			p.dep = min(a2+pl.u(4, 45), pl.last-3)
			pl.returnTimeline(p)
		default:
			pl.closeEarly(p, a2+pl.u(5, 40))
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// returnTimeline places counselling, approval and arrival between reg and dep.
func (pl *plan) returnTimeline(p *person) {
	p.counsel = p.reg + pl.u(0, min(14, (p.dep-p.reg)/2))
	p.approve = p.dep - pl.u(1, min(21, p.dep-p.counsel))
	p.arr = p.dep
	if pl.chance(0.25) {
		p.arr = min(p.dep+1, pl.last)
	}
}

// earlyTimeline: a case still open at the end of the year, before any return.
func (pl *plan) earlyTimeline(p *person, st stage) {
	p.stage = st
	if st >= stCounselled {
		p.counsel = p.reg + pl.u(0, min(14, pl.last-p.reg))
	}
	if st == stApproved {
		p.approve = p.counsel + pl.u(0, min(30, pl.last-p.counsel))
	}
}

// closeEarly closes a case before any return (withdrawn mostly), on day on if the year allows.
func (pl *plan) closeEarly(p *person, on int) {
	reached := []stage{stRegistered, stCounselled, stCounselled, stApproved}[pl.r.IntN(4)]
	if on > pl.last {
		pl.earlyTimeline(p, reached)
		return
	}
	p.stage = stClosedEarly
	if reached >= stCounselled {
		p.counsel = p.reg + pl.u(0, min(10, on-1-p.reg))
	}
	if reached == stApproved {
		p.approve = p.counsel + pl.u(0, min(20, on-1-p.counsel))
	}
	p.closeOn = on
	p.closeReason = []string{"withdrawn", "withdrawn", "withdrawn", "withdrawn", "withdrawn", "withdrawn", "withdrawn", "withdrawn", "not_eligible", "lost_contact"}[pl.r.IntN(10)]
}

var arabicNat = map[string]bool{"TD": true, "SD": true, "MA": true}

func isArabic(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.Is(unicode.Arabic, r)
}

// nameFrom picks a name in one script.
func (pl *plan) nameFrom(list []string, arabic bool) string {
	var xs []string
	for _, s := range list {
		if isArabic(s) == arabic {
			xs = append(xs, s)
		}
	}
	return pick(pl, xs)
}

func (pl *plan) newPerson(office int, dir models.Direction) *person {
	p := &person{n: len(pl.people), office: office, dir: dir, reg: -1, counsel: -1, approve: -1, dep: -1, arr: -1, closeOn: -1}
	pl.people = append(pl.people, p)
	nat := models.Morocco
	if dir == models.Outbound {
		w := make([]int, len(nationalityDefs))
		for i, n := range nationalityDefs {
			w[i] = n.Weight
		}
		nat = nationalityDefs[pl.pickW(w)].Code
	}
	p.in = models.CaseInput{Direction: string(dir), Nationality: nat, ReturnCountry: nat}
	return p
}

func (pl *plan) natDef(code string) nationalityDef {
	for _, n := range nationalityDefs {
		if n.Code == code {
			return n
		}
	}
	return nationalityDef{Code: code, Airport: "CMN", Capital: "Casablanca", Languages: "arabe, darija, français", Currency: "MAD"}
}

// fillInput decides who the person is: sex, age, names, documents, vulnerabilities,
// household, consent and request, once the registration day is known.
func (pl *plan) fillInput(p *person) {
	in := &p.in
	nd := pl.natDef(in.Nationality)
	names := namesByNationality[in.Nationality]
	arabic := arabicNat[in.Nationality] && pl.chance(0.35)
	female := pl.chance(0.28)
	if p.dir == models.Inbound {
		female = pl.chance(0.22)
	}
	age := 18 + int(27*math.Pow(pl.r.Float64(), 1.6)) + pl.u(0, 3)
	switch x := pl.r.Float64(); {
	case x < 0.045 && p.dir == models.Outbound:
		age, p.minor = pl.u(14, 17), true
	case x < 0.06:
		age = pl.u(60, 72)
	}
	in.Sex = string(models.SexM)
	given := names.male
	if female {
		in.Sex, given = string(models.SexF), names.female
	}
	in.GivenName = pl.nameFrom(given, arabic)
	if pl.chance(0.25) {
		if g2 := pl.nameFrom(given, arabic); g2 != in.GivenName {
			in.GivenName += " " + g2
		}
	}
	in.FamilyName = pl.nameFrom(names.family, arabic)
	reg := pl.date(p.reg)
	if pl.chance(0.85) || p.dir == models.Inbound {
		in.BirthDate = reg.AddDays(-age*365 - pl.u(0, 364)).String()
	} else {
		in.AgeEstimate = strconv.Itoa(age)
	}
	// Vulnerabilities.
	var v []string
	if p.minor {
		v = append(v, []string{"unaccompanied_child", "unaccompanied_child", "separated_child"}[pl.r.IntN(3)])
	}
	if age >= 60 {
		v = append(v, "elderly")
	}
	if female && !p.minor {
		for _, c := range []struct {
			code string
			p    float64
		}{{"pregnant", 0.06}, {"single_parent", 0.08}, {"gbv_survivor", 0.07}, {"trafficking_victim", 0.03}} {
			if pl.chance(c.p) {
				v = append(v, c.code)
			}
		}
	}
	for _, c := range []struct {
		code string
		p    float64
	}{{"medical_condition", 0.08}, {"disability", 0.02}, {"mental_health", 0.03}} {
		if pl.chance(c.p) {
			v = append(v, c.code)
		}
	}
	in.Vulnerabilities, p.vulns = v, v
	// Household: a spouse and children for some adults; children for single parents.
	if !p.minor && (pl.chance(0.1) || slices.Contains(v, "single_parent")) {
		if !slices.Contains(v, "single_parent") && pl.chance(0.6) {
			sp := models.SexF
			spNames := names.female
			if female {
				sp, spNames = models.SexM, names.male
			}
			in.Household = append(in.Household, models.HouseholdInput{Name: pl.nameFrom(spNames, arabic) + " " + pl.nameFrom(names.family, arabic),
				Relation: "spouse", Sex: string(sp), BirthDate: reg.AddDays(-pl.u(20, 40)*365 - pl.u(0, 364)).String()})
		}
		for range pl.u(1, 3) {
			sx, cn := models.SexM, names.male
			if pl.chance(0.5) {
				sx, cn = models.SexF, names.female
			}
			in.Household = append(in.Household, models.HouseholdInput{Name: pl.nameFrom(cn, arabic) + " " + in.FamilyName,
				Relation: "child", Sex: string(sx), BirthDate: reg.AddDays(-pl.u(0, 12)*365 - pl.u(0, 364)).String()})
		}
	}
	if pl.chance(0.7) {
		in.Phone = fmt.Sprintf("+212 6%02d %02d %02d %02d", pl.r.IntN(100), pl.r.IntN(100), pl.r.IntN(100), pl.r.IntN(100))
	}
	in.Languages = nd.Languages
	switch x := pl.r.Float64(); {
	case p.dir == models.Inbound && x < 0.85:
		in.IDDocType, in.IDDocNumber = "national_id", fmt.Sprintf("%c%c%06d", 'A'+rune(pl.r.IntN(26)), 'A'+rune(pl.r.IntN(26)), pl.r.IntN(1000000))
	case x < 0.45:
		in.IDDocType, in.IDDocNumber = "passport", fmt.Sprintf("%c%07d", 'A'+rune(pl.r.IntN(26)), pl.r.IntN(10000000))
	case x < 0.7 && p.dir == models.Outbound:
		in.IDDocType, in.IDDocNumber = "consular_card", fmt.Sprintf("CC-%s-%06d", in.Nationality, pl.r.IntN(1000000))
	case x < 0.75 && p.dir == models.Outbound:
		in.IDDocType, in.IDDocNumber = "travel_document", fmt.Sprintf("LP%06d", pl.r.IntN(1000000))
	}
	in.ConsentDate = reg.String()
	in.ConsentShare = pl.chance(0.93)
	in.RequestDate = pl.date(max(0, p.reg-pl.u(0, 10))).String()
	in.RequestReason = requestReasons[pl.pickW(requestReasonWeights)]
	if p.minor {
		in.Notes = "Mineur : évaluation de l'intérêt supérieur de l'enfant réalisée avec la famille au pays d'origine."
	}
	// Common names recur (there are many Mamadou Diallo): the caseworker has checked
	// the possible duplicates and confirms a different person, as the form allows.
	in.ConfirmDifferent = true
	if p.stage == stReturned {
		p.route = "CMN → " + nd.Airport
		if p.office == officeOUJ && pl.chance(0.5) {
			p.route = "OUD → CMN → " + nd.Airport
		}
		p.escort = "none"
		switch {
		case p.minor:
			p.escort = "escort"
		case slices.Contains(v, "medical_condition") && pl.chance(0.4):
			p.escort = "medical_escort"
		case pl.chance(0.03):
			p.escort = "escort"
		}
		p.receivedBy = "Mission de l'agence à " + nd.Capital
		if p.minor {
			p.receivedBy = "Services de protection de l'enfance, " + nd.Capital
		}
	}
}

// repeatAttendance sends some informed people to a second information session.
func (pl *plan) repeatAttendance() {
	for _, p := range pl.people {
		if len(p.info) == 0 || !pl.chance(0.04) {
			continue
		}
		hi := pl.last
		switch {
		case p.stage == stReturned:
			hi = p.dep - 1
		case p.closeOn >= 0:
			hi = p.closeOn - 1
		}
		var cands []*session
		for _, s := range pl.sessions {
			if s.office == p.office && s.kind == models.InfoSession && s.day >= p.reg && s.day <= hi && s != p.info[0] && len(s.attendees) < 25 {
				cands = append(cands, s)
			}
		}
		if len(cands) > 0 {
			s := pick(pl, cands)
			p.info = append(p.info, s)
			s.attendees = append(s.attendees, p)
		}
	}
}

func (pl *plan) recipients() []*person {
	var out []*person
	for _, p := range pl.people {
		if p.stage == stReturned || p.stage == stInbound {
			out = append(out, p)
		}
	}
	return out
}

// buildSupport gives every returnee one support record and spreads the extra records,
// with exactly the report's counts by type.
func (pl *plan) buildSupport() {
	S := pl.scale
	rec := pl.recipients()
	for _, p := range rec {
		start := p.arr + pl.u(0, 40)
		if p.dir == models.Inbound {
			start = p.reg + pl.u(3, 45)
		}
		p.supports = []*supportRec{{p: p, plan: min(start, pl.last)}}
	}
	extras := (MicroProjects+CashRecords+MedicalRecords+TrainingRecords)*S - len(rec)
	for extras > 0 {
		p := pick(pl, rec)
		prev := p.supports[len(p.supports)-1].plan
		if len(p.supports) >= 3 || prev+10 > pl.last {
			continue
		}
		p.supports = append(p.supports, &supportRec{p: p, plan: min(prev+pl.u(10, 60), pl.last)})
		extras--
	}
	var types []models.SupportType
	for i, n := range []int{MicroProjects, CashRecords, MedicalRecords, TrainingRecords} {
		for range n * S {
			types = append(types, models.SupportTypes[i])
		}
	}
	pl.r.Shuffle(len(types), func(i, j int) { types[i], types[j] = types[j], types[i] })
	// Funded by the office: vulnerable returnees first.
	var vuln, other []*person
	for _, p := range rec {
		if p.dir == models.Outbound {
			if len(p.vulns) > 0 {
				vuln = append(vuln, p)
			} else {
				other = append(other, p)
			}
		}
	}
	pl.r.Shuffle(len(vuln), func(i, j int) { vuln[i], vuln[j] = vuln[j], vuln[i] })
	pl.r.Shuffle(len(other), func(i, j int) { other[i], other[j] = other[j], other[i] })
	for _, p := range append(vuln, other...)[:FundedByOffice*S] {
		p.supports[0].funded = true
	}
	k := 0
	for _, p := range rec {
		for _, sr := range p.supports {
			sr.typ = types[k]
			k++
			pl.fillSupport(sr)
			pl.supports = append(pl.supports, sr)
		}
	}
}

// amountRanges are plausible amounts in major units, per currency and type.
var amountRanges = map[string]map[models.SupportType][2]int{
	"MAD": {models.MicroProject: {8000, 25000}, models.Cash: {1000, 4000}, models.Medical: {500, 6000}, models.Training: {3000, 12000}},
	"EUR": {models.MicroProject: {1000, 2250}, models.Cash: {100, 400}, models.Medical: {100, 1000}, models.Training: {300, 1500}},
	"USD": {models.MicroProject: {1100, 2500}, models.Cash: {100, 450}, models.Medical: {100, 1100}, models.Training: {300, 1600}},
	"XOF": {models.MicroProject: {650000, 1500000}, models.Cash: {65000, 250000}, models.Medical: {50000, 600000}, models.Training: {200000, 1000000}},
}

// fillSupport decides the currency, amount, who plans and approves, and how far it got.
func (pl *plan) fillSupport(sr *supportRec) {
	p := sr.p
	sr.currency = "MAD"
	if p.dir == models.Outbound && !sr.funded {
		sr.currency = pl.natDef(p.in.Nationality).Currency
		if sr.currency != "XOF" && pl.chance(0.3) {
			sr.currency = "EUR"
		}
	}
	step := amountRanges[sr.currency][sr.typ]
	unit := 50
	if sr.currency == "XOF" {
		unit = 5000
	}
	sr.amount = strconv.Itoa(pl.u(step[0]/unit, step[1]/unit) * unit)
	key := string(sr.typ)
	if sr.typ == models.MicroProject && p.dir == models.Inbound {
		key = "micro_project_ma"
	}
	sr.desc = pick(pl, supportDescriptions[key])
	sr.planner, sr.approver = p.office, actorSupervisor
	if p.office == officeOUJ {
		sr.approver = actorSupervisorOUJ
		if pl.chance(0.15) {
			sr.planner, sr.approver = actorSupervisorOUJ, actorSupervisor
		}
	}
	sr.approve, sr.deliver, sr.cancel = -1, -1, -1
	if a := sr.plan + pl.u(1, 6); a <= pl.last && !pl.chance(0.01) {
		sr.approve = a
		if d := a + pl.u(2, 25); d <= pl.last && !pl.chance(0.02) {
			sr.deliver = d
		}
	}
}

// buildClosures closes some cases whose support was all delivered.
func (pl *plan) buildClosures() {
	for _, p := range pl.recipients() {
		lastDel := -1
		for _, sr := range p.supports {
			if sr.deliver < 0 {
				lastDel = -1
				break
			}
			lastDel = max(lastDel, sr.deliver)
		}
		if lastDel < 0 || !pl.chance(0.5) {
			continue
		}
		if on := lastDel + pl.u(20, 150); on <= pl.last {
			p.closeOn = on
			p.closeReason = []string{"reintegration_completed", "lost_contact", "re_migrated"}[pl.pickW([]int{90, 6, 4})]
		}
	}
}

// buildCancelled adds support planned and then cancelled (excluded from every figure);
// some were funded by the office, on people the office did not otherwise fund.
func (pl *plan) buildCancelled() {
	rec := pl.recipients()
	for n := cancelledRecords * pl.scale; n > 0; {
		p := pick(pl, rec)
		start, lim := p.supports[0].plan, p.limit(pl.last)
		if lim-start < 3 {
			continue
		}
		sr := &supportRec{p: p, typ: models.SupportTypes[pl.pickW([]int{50, 40, 8, 2})], plan: pl.u(start, lim-2)}
		sr.funded = p.dir == models.Outbound && !p.supports[0].funded && pl.chance(0.3)
		pl.fillSupport(sr)
		sr.deliver = -1
		sr.cancel = sr.plan + pl.u(1, min(10, lim-sr.plan))
		if sr.approve >= sr.cancel || pl.chance(0.7) {
			sr.approve = -1
		}
		sr.cancelWhy = pick(pl, cancelReasons)
		p.supports = append(p.supports, sr)
		pl.supports = append(pl.supports, sr)
		n--
	}
}

func (pl *plan) buildActivities() {
	for _, p := range pl.people {
		lim := p.limit(pl.last)
		if p.counsel >= 0 && pl.chance(0.5) {
			pl.activities = append(pl.activities, activityRec{p, p.counsel, "counselling", "", pick(pl, activityNotes["counselling"])})
		}
		psy := 0
		for _, v := range p.vulns {
			if slices.Contains([]string{"gbv_survivor", "trafficking_victim", "mental_health", "unaccompanied_child", "separated_child"}, v) {
				psy = pl.u(1, 2)
			}
		}
		if p.dir == models.Inbound && pl.chance(0.35) {
			psy = max(psy, 1)
		}
		hi := lim
		if p.stage == stReturned {
			hi = min(lim, p.dep-1)
		}
		for range psy {
			if hi >= p.reg {
				pl.activities = append(pl.activities, activityRec{p, pl.u(p.reg, hi), "psychosocial", "", pick(pl, activityNotes["psychosocial"])})
			}
		}
		first := -1
		for _, sr := range p.supports {
			if sr.deliver >= 0 && (first < 0 || sr.deliver < first) {
				first = sr.deliver
			}
		}
		if first >= 0 && pl.chance(0.5) {
			if d := first + pl.u(20, 90); d <= lim {
				mode := "phone"
				if p.dir == models.Inbound && pl.chance(0.6) || pl.chance(0.2) {
					mode = "in_person"
				}
				pl.activities = append(pl.activities, activityRec{p, d, "monitoring", mode, pick(pl, activityNotes["monitoring"])})
			}
		}
	}
}

func (pl *plan) buildReferrals() {
	w := make([]int, len(partnerDefs))
	for i, d := range partnerDefs {
		w[i] = d.Weight
	}
	for _, p := range pl.people {
		if !p.in.ConsentShare {
			continue
		}
		lim := p.limit(pl.last)
		var partners []int
		switch {
		case p.dir == models.Inbound && pl.chance(0.75):
			partners = append(partners, pl.pickW(w))
			if pl.chance(0.2) {
				if second := pl.pickW(w); second != partners[0] {
					partners = append(partners, second)
				}
			}
		case p.dir == models.Outbound && slices.Contains(p.vulns, "medical_condition") && pl.chance(0.4):
			partners = append(partners, 2) // health, before the return
			if p.stage == stReturned {
				lim = min(lim, p.dep-1)
			}
		}
		day := p.reg
		for _, k := range partners {
			day += pl.u(5, 40)
			if day > lim {
				break
			}
			d := partnerDefs[k]
			rf := &referralRec{p: p, partner: d.Code, purpose: d.Purpose, day: day, accepted: -1, closed: -1}
			if pl.chance(0.05) {
				if c := day + pl.u(3, 15); c <= lim {
					rf.closed, rf.final, rf.rejectWhy = c, "rejected", pick(pl, rejectReasons)
				}
			} else if a := day + pl.u(5, 20); a <= lim {
				rf.accepted = a
				if c := a + pl.u(15, 60); c <= lim {
					rf.closed = c
					if pl.chance(0.1) {
						rf.final, rf.rejectWhy = "rejected", pick(pl, rejectReasons)
					} else {
						rf.final, rf.outcome, rf.satisfaction = "completed", pick(pl, d.Outcomes), []int{3, 4, 4, 5, 5}[pl.r.IntN(5)]
					}
				}
			}
			pl.referrals = append(pl.referrals, rf)
		}
	}
}
