package demo

import (
	"math/rand/v2"
	"time"

	"awda/models"
)

// Live casework: the report's year stays exactly as it is, and the current year gets
// the open work of a living office on the day the demo is loaded, so that the homes,
// the approvals queue and the lists show this week's work and not only 2021. Each
// person and record goes through the same plan and the same store calls as the 2021
// ones, on the demo clock set to its day; nothing of it is dated in the report's year.
//
// Per office and per unit of scale:
//   - 3 new registrations in the last three weeks, some already counselled;
//   - 2 returns of the last two months whose support waits for approval, with a
//     referral sent a few days ago and still without an outcome;
//   - 1 return whose approved support waits for delivery;
//   - 2 returns of about five months ago in reintegration, whose last monitoring visit
//     is more than 90 days old (a visit is due), each with a referral sent over 60
//     days ago and still without an outcome;
//   - this week's information session, attended by the new registrations.
const (
	liveRegistered = 3
	liveWaiting    = 2
	liveToDeliver  = 1
	liveMonitoring = 2
)

// addLive plans the live casework dated up to today, when today is after the
// dataset's year (a demo of the current year has nothing to add).
func (pl *plan) addLive(today time.Time) {
	t0 := models.NewDate(pl.year, time.January, 1).Time()
	tDay := models.DateOf(today).Time()
	if tDay.Year() <= pl.year {
		return
	}
	T := int(tDay.Sub(t0).Hours() / 24)
	first := int(time.Date(tDay.Year(), 1, 1, 0, 0, 0, 0, time.UTC).Sub(t0).Hours() / 24)
	// Its own random source: the report's plan is already decided and must not move.
	saved := pl.r
	pl.r = rand.New(rand.NewPCG(uint64(tDay.Year()), 0x11FE0000+uint64(pl.scale)))
	defer func() { pl.r = saved }()
	monday := T - (int(tDay.Weekday())+6)%7
	at := func(d int) int { return max(first, min(d, T)) } // within the current year, not in the future
	w := make([]int, len(partnerDefs))
	for i, d := range partnerDefs {
		w[i] = d.Weight
	}
	referral := func(p *person, day int) {
		d := partnerDefs[pl.pickW(w)]
		pl.referrals = append(pl.referrals, &referralRec{p: p, partner: d.Code, purpose: d.Purpose, day: at(day), accepted: -1, closed: -1})
	}
	returned := func(o int, arr int) *person {
		p := pl.newPerson(o, models.Outbound)
		p.stage = stReturned
		p.arr, p.dep = at(arr), at(arr)
		p.approve = at(p.dep - pl.u(3, 10))
		p.counsel = at(p.approve - pl.u(2, 8))
		p.reg = at(p.counsel - pl.u(2, 10))
		pl.fillInput(p)
		p.in.ConsentShare = true
		return p
	}
	support := func(p *person, planDay int) *supportRec {
		sr := &supportRec{p: p, typ: []models.SupportType{models.MicroProject, models.Cash, models.Cash, models.Medical}[pl.r.IntN(4)], plan: at(planDay)}
		pl.fillSupport(sr)
		sr.approve, sr.deliver, sr.cancel = -1, -1, -1
		p.supports = append(p.supports, sr)
		pl.supports = append(pl.supports, sr)
		return sr
	}
	for o := range officeDefs {
		var fresh []*person
		for range liveRegistered * pl.scale {
			p := pl.newPerson(o, models.Outbound)
			p.stage = stRegistered
			p.reg = at(T - pl.u(0, 20))
			if pl.chance(0.4) {
				p.stage, p.counsel = stCounselled, at(p.reg+pl.u(0, 5))
			}
			pl.fillInput(p)
			if p.reg <= monday {
				fresh = append(fresh, p)
			}
		}
		for range liveWaiting * pl.scale {
			p := returned(o, T-pl.u(5, 50))
			support(p, p.arr+pl.u(1, 4))
			referral(p, max(p.reg+1, T-pl.u(2, 20)))
		}
		for range liveToDeliver * pl.scale {
			p := returned(o, T-pl.u(20, 50))
			sr := support(p, p.arr+pl.u(1, 3))
			sr.approve = at(sr.plan + pl.u(1, 4))
		}
		for range liveMonitoring * pl.scale {
			p := returned(o, T-pl.u(140, 170))
			sr := support(p, p.arr+pl.u(1, 3))
			sr.approve = at(sr.plan + pl.u(1, 3))
			sr.deliver = at(sr.approve + pl.u(2, 8))
			pl.activities = append(pl.activities, activityRec{p, at(sr.deliver + pl.u(7, 20)), "monitoring", "in_person",
				pick(pl, activityNotes["monitoring"])})
			referral(p, T-pl.u(65, 90))
		}
		if len(fresh) > 0 {
			s := &session{office: o, kind: models.InfoSession, day: at(monday), creator: o, target: len(fresh), attendees: fresh,
				place: officeDefs[o].Name + ", salle de réunion", facil: pick(pl, facilitators)}
			for _, p := range fresh {
				p.info = append(p.info, s)
			}
			pl.sessions = append(pl.sessions, s)
		}
	}
}
