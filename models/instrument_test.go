package models_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"awda/models"
)

// testInstrumentJSON is a small instrument whose scores are easy to work out by hand:
// dimension a (weight wa) has indicator a1 (q1, a choice) and indicator a2 (q2, a choice,
// and q3, a number 0–10, half each); dimension b has indicator b1 (q4, days without
// food 0–30, lower is better).
func testInstrumentJSON(wa, wb, q1mid float64) []byte {
	t := func(s string) map[string]string { return map[string]string{"fr": s, "en": s, "ar": s} }
	opt := func(code string, score float64) map[string]any {
		return map[string]any{"code": code, "score": score, "label": t(code)}
	}
	ins := map[string]any{
		"title": t("test"),
		"bands": map[string]any{"medium": 0.4, "high": 0.7},
		"dimensions": []any{
			map[string]any{"code": "a", "weight": wa, "label": t("A"), "indicators": []any{
				map[string]any{"code": "a1", "weight": 0.5, "label": t("A1"), "questions": []any{
					map[string]any{"code": "q1", "weight": 1, "text": t("Q1"), "type": "choice",
						"options": []any{opt("good", 1), opt("mid", q1mid), opt("bad", 0)}},
				}},
				map[string]any{"code": "a2", "weight": 0.5, "label": t("A2"), "questions": []any{
					map[string]any{"code": "q2", "weight": 0.5, "text": t("Q2"), "type": "choice",
						"options": []any{opt("yes", 1), opt("no", 0)}},
					map[string]any{"code": "q3", "weight": 0.5, "text": t("Q3"), "type": "number", "min": 0, "max": 10},
				}},
			}},
			map[string]any{"code": "b", "weight": wb, "label": t("B"), "indicators": []any{
				map[string]any{"code": "b1", "weight": 1, "label": t("B1"), "questions": []any{
					map[string]any{"code": "q4", "weight": 1, "text": t("Q4"), "type": "number", "min": 0, "max": 30, "lower_is_better": true},
				}},
			}},
		},
	}
	b, err := json.Marshal(ins)
	if err != nil {
		panic(err)
	}
	return b
}

func mustInstrument(t *testing.T, data []byte) *models.Instrument {
	t.Helper()
	ins, err := models.ParseInstrument(data)
	if err != nil {
		probs, _ := models.AsInstrumentError(err)
		t.Fatalf("parse instrument: %v %+v", err, probs)
	}
	return ins
}

func f(x float64) *float64 { return &x }

func sameScore(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) < 1e-9
}

func show(x *float64) string {
	if x == nil {
		return "none"
	}
	return strconv.FormatFloat(*x, 'f', 6, 64)
}

// TestInstrumentScores checks scores worked out by hand, under two versions of the same
// questions: version 2 moves weight to dimension b and lowers the code of q1's "mid".
func TestInstrumentScores(t *testing.T) {
	v1 := mustInstrument(t, testInstrumentJSON(0.5, 0.5, 0.5))
	v2 := mustInstrument(t, testInstrumentJSON(0.2, 0.8, 0.25))
	type want struct{ composite, a, b, a1, a2, b1 *float64 }
	tests := []struct {
		name    string
		ins     *models.Instrument
		answers map[string]string
		want    want
		band    string
	}{
		{"v1 all answered", v1, map[string]string{"q1": "good", "q2": "yes", "q3": "5", "q4": "0"},
			// a2 = (1 + 0.5)/2; a = (1 + 0.75)/2; composite = (0.875 + 1)/2
			want{f(0.9375), f(0.875), f(1), f(1), f(0.75), f(1)}, "high"},
		{"v1 dont know and refused are left out", v1, map[string]string{"q1": "mid", "q2": "dk", "q3": "10", "q4": "refused"},
			// a2 = q3 alone = 1; a = (0.5 + 1)/2; b has no answer, so composite = a
			want{f(0.75), f(0.75), nil, f(0.5), f(1), nil}, "high"},
		{"v1 one indicator left", v1, map[string]string{"q1": "dk", "q2": "no", "q3": "dk", "q4": "15"},
			// a1 none; a2 = q2 = 0; a = 0; b = 1 - 15/30; composite = (0 + 0.5)/2
			want{f(0.25), f(0), f(0.5), nil, f(0), f(0.5)}, "low"},
		{"v1 nothing answered", v1, map[string]string{"q1": "dk", "q2": "refused", "q3": "dk", "q4": "dk"},
			want{nil, nil, nil, nil, nil, nil}, ""},
		{"v1 worst answers", v1, map[string]string{"q1": "bad", "q2": "no", "q3": "0", "q4": "30"},
			want{f(0), f(0), f(0), f(0), f(0), f(0)}, "low"},
		{"v1 decimal comma", v1, map[string]string{"q1": "bad", "q2": "no", "q3": "2,5", "q4": "30"},
			// a2 = 0.25/2; a = 0.125/2; composite = 0.0625/2
			want{f(0.03125), f(0.0625), f(0), f(0), f(0.125), f(0)}, "low"},
		{"v2 all answered", v2, map[string]string{"q1": "good", "q2": "yes", "q3": "5", "q4": "0"},
			// 0.2 × 0.875 + 0.8 × 1
			want{f(0.975), f(0.875), f(1), f(1), f(0.75), f(1)}, "high"},
		{"v2 dont know and refused are left out", v2, map[string]string{"q1": "mid", "q2": "dk", "q3": "10", "q4": "refused"},
			// a1 = 0.25 under version 2; a = (0.25 + 1)/2; b none: composite = a
			want{f(0.625), f(0.625), nil, f(0.25), f(1), nil}, "medium"},
		{"v2 medium band boundary", v2, map[string]string{"q1": "bad", "q2": "no", "q3": "0", "q4": "18"},
			// b = 1 - 18/30 = 0.4; composite = 0.8 × 0.4 = 0.32 (below medium = 0.4)
			want{f(0.32), f(0), f(0.4), f(0), f(0), f(0.4)}, "low"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := tt.ins.Score(tt.answers)
			if err != nil {
				t.Fatal(err)
			}
			got := want{sc.Composite, sc.Dimensions["a"], sc.Dimensions["b"], sc.Indicators["a1"], sc.Indicators["a2"], sc.Indicators["b1"]}
			pairs := []struct {
				name      string
				got, want *float64
			}{{"composite", got.composite, tt.want.composite}, {"a", got.a, tt.want.a}, {"b", got.b, tt.want.b},
				{"a1", got.a1, tt.want.a1}, {"a2", got.a2, tt.want.a2}, {"b1", got.b1, tt.want.b1}}
			for _, p := range pairs {
				if !sameScore(p.got, p.want) {
					t.Errorf("%s = %s, want %s", p.name, show(p.got), show(p.want))
				}
			}
			if b := tt.ins.Band(sc.Composite); b != tt.band {
				t.Errorf("band %q, want %q", b, tt.band)
			}
		})
	}
}

func TestInstrumentAnswerErrors(t *testing.T) {
	ins := mustInstrument(t, testInstrumentJSON(0.5, 0.5, 0.5))
	fe := ins.AnswerErrors(map[string]string{"q1": "excellent", "q3": "11", "q4": "many"})
	want := map[string]string{"q_q1": "error.choose_value", "q_q2": "error.required",
		"q_q3": "monitoring.error.number_range", "q_q4": "monitoring.error.number"}
	if len(fe) != len(want) {
		t.Errorf("errors %v, want %v", fe, want)
	}
	for k, v := range want {
		if fe[k] != v {
			t.Errorf("%s: %q, want %q", k, fe[k], v)
		}
	}
	if _, err := ins.Score(map[string]string{"q1": "good"}); err == nil {
		t.Error("incomplete answers were scored")
	}
}

func TestDefaultInstrument(t *testing.T) {
	ins := mustInstrument(t, models.DefaultInstrumentJSON())
	if !ins.Default {
		t.Error("the shipped instrument is not marked as the default")
	}
	if len(ins.Dimensions) != 3 {
		t.Fatalf("%d dimensions, want 3", len(ins.Dimensions))
	}
	n := 0
	for _, d := range ins.Dimensions {
		if d.Weight != ins.Dimensions[0].Weight {
			t.Errorf("dimension %s weight %v, want equal weights", d.Code, d.Weight)
		}
		for _, ind := range d.Indicators {
			n++
			if ind.Weight != d.Indicators[0].Weight {
				t.Errorf("indicator %s weight %v, want equal weights", ind.Code, ind.Weight)
			}
		}
	}
	if n != 15 {
		t.Errorf("%d indicators, want 15", n)
	}
	if got := ins.Schedule(); len(got) != 3 || got[0] != 3 || got[1] != 6 || got[2] != 12 {
		t.Errorf("schedule %v, want 3, 6, 12", got)
	}
	best := map[string]string{}
	for _, q := range ins.Questions() {
		best[q.Code] = q.Options[0].Code
	}
	sc, err := ins.Score(best)
	if err != nil || !sameScore(sc.Composite, f(1)) {
		t.Errorf("best answers score %s (%v), want 1", show(sc.Composite), err)
	}
}

// TestInstrumentValidation lists the problems of broken instruments.
func TestInstrumentValidation(t *testing.T) {
	base := func() map[string]any {
		var m map[string]any
		if err := json.Unmarshal(testInstrumentJSON(0.5, 0.5, 0.5), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	dim := func(m map[string]any, i int) map[string]any { return m["dimensions"].([]any)[i].(map[string]any) }
	ind := func(m map[string]any, d, i int) map[string]any {
		return dim(m, d)["indicators"].([]any)[i].(map[string]any)
	}
	q := func(m map[string]any, d, i, j int) map[string]any {
		return ind(m, d, i)["questions"].([]any)[j].(map[string]any)
	}
	tests := []struct {
		name  string
		edit  func(m map[string]any)
		raw   string
		path  string
		key   string
		value string
	}{
		{name: "weights that do not add up", edit: func(m map[string]any) { dim(m, 1)["weight"] = 0.6 },
			path: "dimensions", key: "monitoring.instrument.error.weights_sum", value: "1.1"},
		{name: "question weights", edit: func(m map[string]any) { q(m, 0, 1, 1)["weight"] = 0.4 },
			path: "dimensions[0].indicators[1].questions", key: "monitoring.instrument.error.weights_sum", value: "0.9"},
		{name: "missing translation", edit: func(m map[string]any) { delete(q(m, 0, 0, 0)["text"].(map[string]any), "ar") },
			path: "dimensions[0].indicators[0].questions[0].text.ar", key: "monitoring.instrument.error.translation_missing", value: "ar"},
		{name: "option without a code", edit: func(m map[string]any) {
			delete(q(m, 0, 0, 0)["options"].([]any)[1].(map[string]any), "score")
		}, path: "dimensions[0].indicators[0].questions[0].options[1].score", key: "monitoring.instrument.error.score_missing", value: "mid"},
		{name: "code out of range", edit: func(m map[string]any) {
			q(m, 0, 0, 0)["options"].([]any)[0].(map[string]any)["score"] = 1.5
		}, path: "dimensions[0].indicators[0].questions[0].options[0].score", key: "monitoring.instrument.error.score_range", value: "1.5"},
		{name: "duplicate question", edit: func(m map[string]any) { q(m, 1, 0, 0)["code"] = "q1" },
			path: "dimensions[1].indicators[0].questions[0].code", key: "monitoring.instrument.error.code_duplicate", value: "q1"},
		{name: "dk is reserved", edit: func(m map[string]any) {
			q(m, 0, 0, 0)["options"].([]any)[0].(map[string]any)["code"] = "dk"
		}, path: "dimensions[0].indicators[0].questions[0].options[0].code", key: "monitoring.instrument.error.code", value: "dk"},
		{name: "number without range", edit: func(m map[string]any) { delete(q(m, 0, 1, 1), "max") },
			path: "dimensions[0].indicators[1].questions[1]", key: "monitoring.instrument.error.range"},
		{name: "bands", edit: func(m map[string]any) { m["bands"] = map[string]any{"medium": 0.8, "high": 0.7} },
			path: "bands", key: "monitoring.instrument.error.bands"},
		{name: "unknown field", edit: func(m map[string]any) { m["wieghts"] = 1 },
			key: "monitoring.instrument.error.unknown_field", value: "wieghts"},
		{name: "not json", raw: "{\"title\": ", key: "monitoring.instrument.error.json"},
		{name: "wrong type", raw: `{"title": "x"}`, path: "title", key: "monitoring.instrument.error.type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.raw)
			if tt.edit != nil {
				m := base()
				tt.edit(m)
				var err error
				if data, err = json.Marshal(m); err != nil {
					t.Fatal(err)
				}
			}
			_, err := models.ParseInstrument(data)
			probs, ok := models.AsInstrumentError(err)
			if !ok {
				t.Fatalf("got %v, want instrument problems", err)
			}
			for _, p := range probs {
				if p.Path == tt.path && p.Key == tt.key && (tt.value == "" || p.Value == tt.value) {
					return
				}
			}
			t.Errorf("problems %+v, want %s at %q (%s)", probs, tt.key, tt.path, tt.value)
		})
	}
}

// TestInstrumentScoreProperties answers the default and the test instruments at random:
// every score stays within 0–1, and replacing one answer by a better one never lowers
// any score (nor makes one appear or disappear).
func TestInstrumentScoreProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	instruments := []*models.Instrument{
		mustInstrument(t, models.DefaultInstrumentJSON()),
		mustInstrument(t, testInstrumentJSON(0.5, 0.5, 0.5)),
		mustInstrument(t, testInstrumentJSON(0.2, 0.8, 0.25)),
	}
	all := func(sc models.Scores) map[string]*float64 {
		m := map[string]*float64{"composite": sc.Composite}
		for k, v := range sc.Dimensions {
			m["dimension "+k] = v
		}
		for k, v := range sc.Indicators {
			m["indicator "+k] = v
		}
		return m
	}
	for round := range 3000 {
		ins := instruments[round%len(instruments)]
		answers := map[string]string{}
		for _, q := range ins.Questions() {
			answers[q.Code] = randomAnswer(rng, q)
		}
		before, err := ins.Score(answers)
		if err != nil {
			t.Fatalf("score %v: %v", answers, err)
		}
		for name, v := range all(before) {
			if v != nil && (*v < 0 || *v > 1) {
				t.Fatalf("%s = %v out of 0–1 for %v", name, *v, answers)
			}
		}
		qs := ins.Questions()
		q := qs[rng.IntN(len(qs))]
		better, ok := betterAnswer(rng, q, answers[q.Code])
		if !ok {
			continue
		}
		changed := map[string]string{}
		for k, v := range answers {
			changed[k] = v
		}
		changed[q.Code] = better
		after, err := ins.Score(changed)
		if err != nil {
			t.Fatal(err)
		}
		b, a := all(before), all(after)
		for name, v := range b {
			w := a[name]
			if (v == nil) != (w == nil) || (v != nil && *w < *v-1e-12) {
				t.Fatalf("%s went from %s to %s when %s changed from %s to %s", name, show(v), show(w), q.Code, answers[q.Code], better)
			}
		}
	}
}

func randomAnswer(rng *rand.Rand, q *models.Question) string {
	switch rng.IntN(8) {
	case 0:
		return models.AnswerDontKnow
	case 1:
		return models.AnswerRefused
	}
	if q.Type == models.QuestionChoice {
		return q.Options[rng.IntN(len(q.Options))].Code
	}
	return strconv.FormatFloat(*q.Min+rng.Float64()*(*q.Max-*q.Min), 'f', 2, 64)
}

// betterAnswer is an answer at least as good as current (dk and refused have none).
func betterAnswer(rng *rand.Rand, q *models.Question, current string) (string, bool) {
	if current == models.AnswerDontKnow || current == models.AnswerRefused {
		return "", false
	}
	if q.Type == models.QuestionChoice {
		var cur float64
		for _, o := range q.Options {
			if o.Code == current {
				cur = *o.Score
			}
		}
		var better []string
		for _, o := range q.Options {
			if *o.Score >= cur {
				better = append(better, o.Code)
			}
		}
		return better[rng.IntN(len(better))], true
	}
	x, _ := strconv.ParseFloat(current, 64)
	if q.LowerIsBetter {
		x -= rng.Float64() * (x - *q.Min)
	} else {
		x += rng.Float64() * (*q.Max - x)
	}
	return strconv.FormatFloat(x, 'f', 4, 64), true
}
