package models

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The monitoring instrument is data, not code: the programme sets the questions, their
// answer codes and the weights, and changes them over time. Each version is kept, and
// each visit names the version it was scored with, so publishing a new version never
// changes a score already recorded.
//
// Scoring rule. Every answer option carries a code between 0 and 1, higher is better;
// a numeric answer is rescaled linearly from [min, max] to [0, 1] (reversed when lower
// is better). "Don't know" (dk) and "refused" are allowed for every question and are
// left out of the score: a question answered dk or refused does not count, and the
// weights of the questions that were answered are rescaled to add up to 1 again. The
// same rule applies one level up: an indicator with no answered question has no score
// and is left out of its dimension, a dimension without any indicator score is left out
// of the composite, and a visit where nothing was answered has no composite score.
// So a score is always a weighted mean of codes between 0 and 1, and a better answer
// never lowers any score.

// Answers a respondent may give to any question instead of an option or a number.
const (
	AnswerDontKnow = "dk"
	AnswerRefused  = "refused"
)

// InstrumentLanguages are the languages every text of an instrument must be given in.
var InstrumentLanguages = []string{"fr", "en", "ar"}

// Bands are the named score ranges, in order.
var Bands = []string{"low", "medium", "high"}

// Question types.
const (
	QuestionChoice = "choice"
	QuestionNumber = "number"
)

// DefaultScheduleMonths are the months after return at which follow-up visits are due
// when the instrument does not say otherwise.
var DefaultScheduleMonths = []int{3, 6, 12}

// weightTolerance is how far a set of weights may be from 1: weights written with a few
// decimals (three times 0.3333) must still pass.
const weightTolerance = 0.001

// Texts is a text in each language, keyed by language code.
type Texts map[string]string

// In returns the text in the language, falling back to French then English.
func (t Texts) In(lang string) string {
	for _, l := range []string{lang, "fr", "en"} {
		if s := t[l]; s != "" {
			return s
		}
	}
	return ""
}

// Instrument is one version of the monitoring questionnaire.
type Instrument struct {
	Title Texts `json:"title"`
	// Default marks the instrument shipped with the portal, with equal weights, to be
	// replaced by the programme's own.
	Default bool `json:"default,omitempty"`
	// ScheduleMonths are the months after return at which follow-ups are due.
	ScheduleMonths []int       `json:"schedule_months,omitempty"`
	Bands          Thresholds  `json:"bands"`
	Dimensions     []Dimension `json:"dimensions"`
	questions      []*Question // every question in order, filled by Validate
	byCode         map[string]*Question
	indicators     []*Indicator // every indicator in order
}

// Thresholds are where the medium and high bands start (a score below Medium is low).
type Thresholds struct {
	Medium float64 `json:"medium"`
	High   float64 `json:"high"`
}

// Dimension groups indicators (economic, social, psychosocial).
type Dimension struct {
	Code       string      `json:"code"`
	Weight     float64     `json:"weight"`
	Label      Texts       `json:"label"`
	Indicators []Indicator `json:"indicators"`
}

// Indicator groups the questions that measure it.
type Indicator struct {
	Code      string     `json:"code"`
	Weight    float64    `json:"weight"`
	Label     Texts      `json:"label"`
	Questions []Question `json:"questions"`
}

// Question is one question put to the returnee.
type Question struct {
	Code   string  `json:"code"`
	Weight float64 `json:"weight"`
	Text   Texts   `json:"text"`
	// Type is choice (one of Options) or number (rescaled from Min–Max).
	Type    string   `json:"type"`
	Options []Option `json:"options,omitempty"`
	Min     *float64 `json:"min,omitempty"`
	Max     *float64 `json:"max,omitempty"`
	// LowerIsBetter reverses the rescaling of a number (days without food).
	LowerIsBetter bool `json:"lower_is_better,omitempty"`
}

// Option is one answer of a choice question with its code between 0 and 1.
type Option struct {
	Code  string   `json:"code"`
	Score *float64 `json:"score"`
	Label Texts    `json:"label"`
}

// Field is the form field name of the question.
func (q *Question) Field() string { return "q_" + q.Code }

// InstrumentProblem is one validation error of an instrument: where (a path such as
// "dimensions[0].indicators[2].weight"), a translation key and its values.
type InstrumentProblem struct {
	Path string
	Key  string
	// Value is the offending value or a computed figure (a sum of weights), for the message.
	Value string
}

// InstrumentError carries every problem of an instrument that failed validation.
type InstrumentError struct{ Problems []InstrumentProblem }

func (e *InstrumentError) Error() string {
	return fmt.Sprintf("invalid instrument: %d problem(s)", len(e.Problems))
}

// AsInstrumentError extracts the problems from an error, if it carries any.
func AsInstrumentError(err error) ([]InstrumentProblem, bool) {
	var ie *InstrumentError
	if errors.As(err, &ie) {
		return ie.Problems, true
	}
	return nil, false
}

//go:embed instruments/rss-default.v1.json
var defaultInstrumentJSON []byte

// DefaultInstrumentJSON is the shipped default instrument: the RSS structure with equal
// weights.
func DefaultInstrumentJSON() []byte { return slices.Clone(defaultInstrumentJSON) }

// maxInstrumentBytes bounds an uploaded instrument.
const maxInstrumentBytes = 512 << 10

// ParseInstrument decodes and validates an instrument definition.
func ParseInstrument(data []byte) (*Instrument, error) {
	if len(data) > maxInstrumentBytes {
		return nil, &InstrumentError{[]InstrumentProblem{{Key: "monitoring.instrument.error.too_large"}}}
	}
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	dec.DisallowUnknownFields()
	var ins Instrument
	if err := dec.Decode(&ins); err != nil {
		p := InstrumentProblem{Key: "monitoring.instrument.error.json"}
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			p.Value = fmt.Sprintf("offset %d", se.Offset)
		case errors.As(err, &te):
			p.Path = te.Field
			p.Key = "monitoring.instrument.error.type"
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			p.Key = "monitoring.instrument.error.unknown_field"
			p.Value = strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		}
		return nil, &InstrumentError{[]InstrumentProblem{p}}
	}
	if dec.More() {
		return nil, &InstrumentError{[]InstrumentProblem{{Key: "monitoring.instrument.error.json"}}}
	}
	if probs := ins.Validate(); len(probs) > 0 {
		return nil, &InstrumentError{probs}
	}
	return &ins, nil
}

var instrumentCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// Validate checks the definition and indexes its questions. It lists every problem, so
// an uploader can fix them all at once.
func (ins *Instrument) Validate() []InstrumentProblem {
	var probs []InstrumentProblem
	add := func(path, key string, value any) {
		v := ""
		if value != nil {
			v = fmt.Sprint(value)
		}
		probs = append(probs, InstrumentProblem{Path: path, Key: key, Value: v})
	}
	texts := func(path string, t Texts) {
		for _, l := range InstrumentLanguages {
			if strings.TrimSpace(t[l]) == "" {
				add(path+"."+l, "monitoring.instrument.error.translation_missing", l)
			}
		}
	}
	codes := map[string]string{}
	code := func(path, c string) {
		switch {
		case !instrumentCode.MatchString(c):
			add(path+".code", "monitoring.instrument.error.code", c)
		case codes[c] != "":
			add(path+".code", "monitoring.instrument.error.code_duplicate", c)
		default:
			codes[c] = path
		}
	}
	weights := func(path string, ws []float64) {
		sum := 0.0
		for i, w := range ws {
			if w <= 0 || w > 1 || math.IsNaN(w) {
				add(fmt.Sprintf("%s[%d].weight", path, i), "monitoring.instrument.error.weight", w)
			}
			sum += w
		}
		if len(ws) > 0 && math.Abs(sum-1) > weightTolerance {
			add(path, "monitoring.instrument.error.weights_sum", strconv.FormatFloat(math.Round(sum*1e6)/1e6, 'f', -1, 64))
		}
	}
	unit := func(path string, v float64) bool {
		return v >= 0 && v <= 1 && !math.IsNaN(v)
	}

	texts("title", ins.Title)
	if !(unit("", ins.Bands.Medium) && unit("", ins.Bands.High) && ins.Bands.Medium > 0 && ins.Bands.Medium < ins.Bands.High) {
		add("bands", "monitoring.instrument.error.bands", nil)
	}
	for i, m := range ins.ScheduleMonths {
		if m < 1 || m > 120 || (i > 0 && m <= ins.ScheduleMonths[i-1]) {
			add(fmt.Sprintf("schedule_months[%d]", i), "monitoring.instrument.error.schedule", m)
		}
	}
	if len(ins.Dimensions) == 0 {
		add("dimensions", "monitoring.instrument.error.empty", nil)
	}
	ins.questions, ins.indicators, ins.byCode = nil, nil, map[string]*Question{}
	var dw []float64
	for di := range ins.Dimensions {
		d := &ins.Dimensions[di]
		dp := fmt.Sprintf("dimensions[%d]", di)
		dw = append(dw, d.Weight)
		code(dp, d.Code)
		texts(dp+".label", d.Label)
		if len(d.Indicators) == 0 {
			add(dp+".indicators", "monitoring.instrument.error.empty", nil)
		}
		var iw []float64
		for ii := range d.Indicators {
			ind := &d.Indicators[ii]
			ip := fmt.Sprintf("%s.indicators[%d]", dp, ii)
			iw = append(iw, ind.Weight)
			code(ip, ind.Code)
			texts(ip+".label", ind.Label)
			ins.indicators = append(ins.indicators, ind)
			if len(ind.Questions) == 0 {
				add(ip+".questions", "monitoring.instrument.error.empty", nil)
			}
			var qw []float64
			for qi := range ind.Questions {
				q := &ind.Questions[qi]
				qp := fmt.Sprintf("%s.questions[%d]", ip, qi)
				qw = append(qw, q.Weight)
				code(qp, q.Code)
				texts(qp+".text", q.Text)
				ins.questions = append(ins.questions, q)
				ins.byCode[q.Code] = q
				switch q.Type {
				case QuestionChoice:
					if len(q.Options) < 2 {
						add(qp+".options", "monitoring.instrument.error.options", nil)
					}
					seen := map[string]bool{}
					for oi, o := range q.Options {
						op := fmt.Sprintf("%s.options[%d]", qp, oi)
						switch {
						case !instrumentCode.MatchString(o.Code) || o.Code == AnswerDontKnow || o.Code == AnswerRefused:
							add(op+".code", "monitoring.instrument.error.code", o.Code)
						case seen[o.Code]:
							add(op+".code", "monitoring.instrument.error.code_duplicate", o.Code)
						}
						seen[o.Code] = true
						if o.Score == nil {
							add(op+".score", "monitoring.instrument.error.score_missing", o.Code)
						} else if !unit("", *o.Score) {
							add(op+".score", "monitoring.instrument.error.score_range", *o.Score)
						}
						texts(op+".label", o.Label)
					}
					if q.Min != nil || q.Max != nil {
						add(qp, "monitoring.instrument.error.range_on_choice", nil)
					}
				case QuestionNumber:
					if q.Min == nil || q.Max == nil || !(*q.Max > *q.Min) {
						add(qp, "monitoring.instrument.error.range", nil)
					}
					if len(q.Options) > 0 {
						add(qp+".options", "monitoring.instrument.error.options_on_number", nil)
					}
				default:
					add(qp+".type", "monitoring.instrument.error.question_type", q.Type)
				}
			}
			weights(ip+".questions", qw)
		}
		weights(dp+".indicators", iw)
	}
	weights("dimensions", dw)
	return probs
}

// Questions lists every question in order (after Validate).
func (ins *Instrument) Questions() []*Question { return ins.questions }

// Schedule is the months after return at which follow-ups are due.
func (ins *Instrument) Schedule() []int {
	if len(ins.ScheduleMonths) == 0 {
		return DefaultScheduleMonths
	}
	return ins.ScheduleMonths
}

// Band names the band a score falls in; "" for no score.
func (ins *Instrument) Band(score *float64) string {
	switch {
	case score == nil:
		return ""
	case *score >= ins.Bands.High:
		return "high"
	case *score >= ins.Bands.Medium:
		return "medium"
	}
	return "low"
}

// Scores are a visit's scores: composite, per dimension and per indicator, each nil when
// nothing it covers was answered.
type Scores struct {
	Composite  *float64
	Dimensions map[string]*float64
	Indicators map[string]*float64
	// Values are the 0–1 code of each answered question (dk and refused have none).
	Values map[string]*float64
}

// AnswerErrors checks answers against the instrument: every question answered, with
// one of its options, a number in range, dk or refused. Errors are keyed by form field.
func (ins *Instrument) AnswerErrors(answers map[string]string) FieldErrors {
	fe := FieldErrors{}
	for _, q := range ins.questions {
		if _, err := q.value(answers[q.Code]); err != "" {
			fe.Add(q.Field(), err)
		}
	}
	return fe
}

// value is the 0–1 code of an answer (nil for dk and refused) or an error key.
func (q *Question) value(answer string) (*float64, string) {
	answer = strings.TrimSpace(answer)
	switch answer {
	case "":
		return nil, "error.required"
	case AnswerDontKnow, AnswerRefused:
		return nil, ""
	}
	if q.Type == QuestionChoice {
		for _, o := range q.Options {
			if o.Code == answer {
				v := *o.Score
				return &v, ""
			}
		}
		return nil, "error.choose_value"
	}
	x, err := strconv.ParseFloat(strings.Replace(answer, ",", ".", 1), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return nil, "monitoring.error.number"
	}
	if x < *q.Min || x > *q.Max {
		return nil, "monitoring.error.number_range"
	}
	v := (x - *q.Min) / (*q.Max - *q.Min)
	if q.LowerIsBetter {
		v = 1 - v
	}
	return &v, ""
}

// Score computes the scores of complete answers (see the scoring rule above); answers
// must have passed AnswerErrors.
func (ins *Instrument) Score(answers map[string]string) (Scores, error) {
	if fe := ins.AnswerErrors(answers); len(fe) > 0 {
		return Scores{}, fe.Err()
	}
	sc := Scores{Dimensions: map[string]*float64{}, Indicators: map[string]*float64{}, Values: map[string]*float64{}}
	var dims []weighted
	for _, d := range ins.Dimensions {
		var inds []weighted
		for _, ind := range d.Indicators {
			var qs []weighted
			for _, q := range ind.Questions {
				v, _ := q.value(answers[q.Code])
				sc.Values[q.Code] = v
				qs = append(qs, weighted{q.Weight, v})
			}
			s := weightedMean(qs)
			sc.Indicators[ind.Code] = s
			inds = append(inds, weighted{ind.Weight, s})
		}
		s := weightedMean(inds)
		sc.Dimensions[d.Code] = s
		dims = append(dims, weighted{d.Weight, s})
	}
	sc.Composite = weightedMean(dims)
	return sc, nil
}

type weighted struct {
	w float64
	v *float64
}

// weightedMean is the mean of the present values weighted by their own weights
// rescaled to add up to 1; nil when no value is present.
func weightedMean(xs []weighted) *float64 {
	var sum, wsum float64
	for _, x := range xs {
		if x.v != nil {
			sum += x.w * *x.v
			wsum += x.w
		}
	}
	if wsum == 0 {
		return nil
	}
	m := min(max(sum/wsum, 0), 1)
	return &m
}
