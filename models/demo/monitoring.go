package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"awda/models"
)

// Monitoring visits of the demo: a baseline at return and the follow-ups due within
// the year, for one returnee in four still in reintegration. They are recorded after
// the rest of the year, with a random source of their own, so that the dataset and
// every figure of the report stay exactly as without them. The scores improve more
// with micro-projects and training than with cash, medical support or none, as the
// programme's own surveys found.

// monitoringShare is one person in so many who gets visits.
const monitoringShare = 4

// monitoringGain is how far the follow-up scores rise, by the best support received.
var monitoringGain = map[models.SupportType]float64{
	models.MicroProject: 0.30, models.Training: 0.28, models.Cash: 0.15, models.Medical: 0.10,
}

func (l *loader) monitoringVisits(ctx context.Context) error {
	pl := l.pl
	r := rand.New(rand.NewPCG(uint64(pl.year), 16))
	end := pl.date(pl.last)
	if !l.today.IsZero() && models.DateOf(l.today).Before(end) {
		end = models.DateOf(l.today)
	}
	cur, err := l.st.Monitoring.Current(ctx)
	if err != nil {
		return err
	}
	ins := cur.Instrument
	n := 0
	for _, p := range pl.people {
		if p.arr < 0 || p.closeOn >= 0 || p.id == 0 || (p.status != models.StatusReintegration && p.status != models.StatusReturned) {
			continue
		}
		if n++; n%monitoringShare != 0 {
			continue
		}
		gain := 0.05
		for _, sr := range p.supports {
			if sr.cancel < 0 {
				gain = max(gain, monitoringGain[sr.typ])
			}
		}
		base := 0.3 + 0.2*r.Float64()
		arrived := pl.date(p.arr)
		visits := []struct {
			kind string
			on   models.Date
			mean float64
		}{{"baseline", arrived, base}}
		for i, m := range ins.Schedule() {
			on := arrived.AddMonthsClamped(m)
			if on.After(end) {
				break
			}
			visits = append(visits, struct {
				kind string
				on   models.Date
				mean float64
			}{"followup", on, base + gain*float64(i+1)/float64(len(ins.Schedule()))})
		}
		for _, v := range visits {
			answers := map[string]string{}
			for _, q := range ins.Questions() {
				answers[q.Code] = demoAnswer(r, q, v.mean)
			}
			l.clk.set(v.on.Time().Add(15 * time.Hour))
			method := "in_person"
			if r.IntN(3) == 0 {
				method = "phone"
			}
			if _, err := l.st.Monitoring.RecordVisit(ctx, l.actors[p.office], l.scope(p.office), p.id,
				models.VisitInput{Kind: v.kind, Date: v.on.String(), Method: method,
					Interviewer: l.actors[p.office].User.Name, Answers: answers}); err != nil {
				return fmt.Errorf("demo visit of case %d: %w", p.n, err)
			}
		}
	}
	return nil
}

// demoAnswer picks the option whose code is nearest to a noisy target; one answer in
// twenty is "don't know".
func demoAnswer(r *rand.Rand, q *models.Question, mean float64) string {
	if r.IntN(20) == 0 {
		return models.AnswerDontKnow
	}
	target := min(max(mean+(r.Float64()-0.5)*0.6, 0), 1)
	best, dist := q.Options[0].Code, 2.0
	for _, o := range q.Options {
		if d := abs2(*o.Score - target); d < dist {
			best, dist = o.Code, d
		}
	}
	return best
}

func abs2(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
