package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// A supervisor of every office narrows the approvals queue to one office with the
// filter's button, without JavaScript; the queue's forms then carry the office, so an
// approval or a send-back comes back to it.
func TestApprovalsOfficeFilterWithoutJavaScript(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.noScript()
	b.login("hq-supervisor")
	b.get("/approvals")
	b.choose("office", "RAB")
	if st := b.submit("approvals-filter-submit"); st != 200 {
		t.Fatalf("filter by office: status %d", st)
	}
	if loc := b.location(); loc != "/approvals?office=RAB" {
		t.Errorf("after filtering: at %s", loc)
	}
	if got := b.text(testSel("approvals-table")); !strings.Contains(got, fixtureNumber()) {
		t.Errorf("Rabat's queue does not hold the fixture's support: %q", got)
	}
	if got := b.attr(`#batch-approve input[name="office"]`, "value"); got != "RAB" {
		t.Errorf("the batch form carries office %q", got)
	}
	b.choose("office", "")
	if st := b.submit("approvals-filter-submit"); st != 200 || b.location() != "/approvals?office=" {
		t.Errorf("every office again: status %d at %s", st, b.location())
	}
}

// approvalSeq keeps the names of the approvals tests' cases apart, so that the
// duplicate check never stops a registration.
var approvalSeq atomic.Int64

var supportRowRE = regexp.MustCompile(`data-testid="support-(\d+)"`)

// queuedCase is a Rabat case registered for an approvals test, with the ids of the
// support planned for it that waits in the queue, in the order planned.
type queuedCase struct {
	path, number string
	waiting      []string
}

// seedQueuedCase registers a case in Rabat (names kept apart by a sequence), delivers
// the support of delivered (planned, approved by the supervisor, handed over) and
// plans the support of waiting, which then waits in the supervisor's queue.
func seedQueuedCase(t *testing.T, family, given string, vulns []string, delivered, waiting []url.Values) queuedCase {
	t.Helper()
	cw, err := signIn("caseworker")
	if err != nil {
		t.Fatal(err)
	}
	sup, err := signIn("supervisor")
	if err != nil {
		t.Fatal(err)
	}
	n := approvalSeq.Add(1)
	form := fixtureForm()
	for k, v := range map[string]string{"family_name": family, "given_name": given, "birth_date": fmt.Sprintf("19%02d-0%d-1%d", 70+n%25, 1+n%9, n%10),
		"phone": fmt.Sprintf("+212 6 00 %02d %02d %02d", n, n*7%100, n*13%100), "id_doc_number": fmt.Sprintf("AP%06d", n)} {
		form.Set(k, v)
	}
	form["vulnerabilities"] = vulns
	for _, k := range []string{"name", "relation", "sex", "birth_date"} {
		form.Del("household[0]." + k)
		form.Del("household[1]." + k)
	}
	path, err := cw.register(form)
	if err != nil {
		t.Fatal(err)
	}
	qc := queuedCase{path: path}
	_, body, err := cw.getBody(path)
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`RAB-\d{4}-\d{5}`).FindString(body); m != "" {
		qc.number = m
	}
	plan := func(sp url.Values) string {
		t.Helper()
		_, before, _ := cw.getBody(path)
		if st, loc, err := cw.post(path, path+"/support", sp); err != nil || st != http.StatusSeeOther {
			t.Fatalf("plan %v: %d → %q %v", sp, st, loc, err)
		}
		_, after, _ := cw.getBody(path)
		for _, m := range supportRowRE.FindAllStringSubmatch(after, -1) {
			if !strings.Contains(before, m[0]) {
				return m[1]
			}
		}
		t.Fatalf("plan %v: no new support on %s", sp, path)
		return ""
	}
	for _, sp := range delivered {
		id := plan(sp)
		if st, _, err := sup.post(path, fmt.Sprintf("%s/support/%s/approve", path, id), url.Values{}); err != nil || st != http.StatusSeeOther {
			t.Fatalf("approve %s: %d %v", id, st, err)
		}
		if st, _, err := cw.post(path, fmt.Sprintf("%s/support/%s/deliver", path, id), url.Values{"date": {daysAgo(1)}}); err != nil || st != http.StatusSeeOther {
			t.Fatalf("deliver %s: %d %v", id, st, err)
		}
	}
	for _, sp := range waiting {
		qc.waiting = append(qc.waiting, plan(sp))
	}
	return qc
}

func support(typ, description, amount, currency string) url.Values {
	return url.Values{"type": {typ}, "description": {description}, "amount": {amount}, "currency": {currency}, "date": {daysAgo(2)}}
}

// queueRow is the CSS selector of a line of the queue.
func queueRow(id string) string { return testSel("queue-" + id) }

// barState is what the approve bar shows: the count and the amounts, each as rendered.
type barState struct {
	Count   string
	Amounts []string
	Checked int
	Boxes   int
}

func (b *tab) bar() barState {
	b.t.Helper()
	return eval[barState](b, `(function () {
		return {Count: document.querySelector('[data-testid="bar-count"]').textContent.trim(),
			Amounts: [...document.querySelectorAll('[data-testid="bar-totals"] bdi.money')].map(e => e.textContent),
			Checked: document.querySelectorAll('input[name="support_id"]:checked').length,
			Boxes: document.querySelectorAll('input[name="support_id"]').length};
	})()`)
}

// A supervisor arrives on the queue with nothing ticked, reads each line (the person,
// their vulnerabilities, what the case already received), ticks three lines: the bar
// counts them and totals their amounts per currency; approving the selection approves
// exactly those three.
func TestApprovalsChooseThreeLines(t *testing.T) {
	t.Parallel()
	qc := seedQueuedCase(t, "Traoré", "Fatoumata", []string{"trafficking_victim", "single_parent"},
		[]url.Values{support("cash", "Aide à l'arrivée", "1000", "MAD")},
		[]url.Values{
			support("micro_project", "Atelier de couture", "1200", "MAD"),
			support("cash", "Loyer de trois mois", "250000", "XOF"),
			support("medical", "Consultations", "300,50", "MAD"),
			support("training", "Formation en coiffure", "80", "EUR"),
			support("cash", "Transport", "999", "MAD"),
		})
	chosen, kept := []string{qc.waiting[0], qc.waiting[1], qc.waiting[2]}, qc.waiting[3:]

	b := newTab(t)
	b.login("supervisor")
	if st := b.get("/approvals"); st != 200 {
		t.Fatalf("GET /approvals: %d", st)
	}
	b.waitLoaded()
	if s := b.bar(); s.Checked != 0 || s.Boxes == 0 || s.Count != "0" || len(s.Amounts) != 0 {
		t.Fatalf("on arrival: %+v, want nothing ticked", s)
	}
	line := queueRow(chosen[0])
	if got := b.text(line + ` [data-testid="queue-name"]`); got != "Traoré Fatoumata" {
		t.Errorf("name %q", got)
	}
	if got := b.text(line + ` [data-testid="queue-vulns"]`); !strings.Contains(got, "Victime de traite") || !strings.Contains(got, "Parent seul") {
		t.Errorf("vulnerabilities %q", got)
	}
	if got := b.text(line + ` [data-testid="queue-delivered"]`); !strings.Contains(got, "1\u00a0000,00 MAD") {
		t.Errorf("delivered %q", got)
	}
	if got := b.text(line + ` [data-testid="queue-planner"]`); !strings.Contains(got, "Salma Benali") {
		t.Errorf("planner %q", got)
	}
	if got := b.style(testSel("approve-bar"), "position"); got != "sticky" {
		t.Errorf("the approve bar is %s, not sticky", got)
	}
	for _, id := range chosen {
		b.do(chromedp.Click(chromedp.CSS(queueRow(id) + ` input[name="support_id"]`)))
	}
	s := b.bar()
	if s.Count != "3" || s.Checked != 3 || !slices.Equal(s.Amounts, []string{"1\u00a0500,50 MAD", "250\u00a0000 XOF"}) {
		t.Errorf("bar after ticking three lines: %+v, want 3 and 1 500,50 MAD · 250 000 XOF", s)
	}
	// Unticking one takes it out of the totals.
	b.do(chromedp.Click(chromedp.CSS(queueRow(chosen[1]) + ` input[name="support_id"]`)))
	if s := b.bar(); s.Count != "2" || !slices.Equal(s.Amounts, []string{"1\u00a0500,50 MAD"}) {
		t.Errorf("bar after unticking the XOF line: %+v", s)
	}
	b.do(chromedp.Click(chromedp.CSS(queueRow(chosen[1]) + ` input[name="support_id"]`)))
	if st := b.submit("approve-selected"); st != 200 {
		t.Fatalf("approve the selection: status %d", st)
	}
	if got := b.text(`[data-testid="flash-success"]`); !strings.Contains(got, "3") {
		t.Errorf("flash %q", got)
	}
	for _, id := range chosen {
		if b.has(queueRow(id)) {
			t.Errorf("support %s still waits after its approval", id)
		}
	}
	for _, id := range kept {
		if !b.has(queueRow(id)) {
			t.Errorf("support %s, not chosen, left the queue", id)
		}
	}
	if s := b.bar(); s.Checked != 0 {
		t.Errorf("after the approval %d lines are ticked", s.Checked)
	}
	// The header's box ticks the whole page, and clears it.
	b.click("select-all")
	if s := b.bar(); s.Checked != s.Boxes || s.Count != fmt.Sprint(s.Boxes) {
		t.Errorf("select all: %+v", s)
	}
	b.click("select-all")
	if s := b.bar(); s.Checked != 0 || s.Count != "0" {
		t.Errorf("select all again: %+v", s)
	}
}

// With the keyboard alone: from the top of the queue a link leads to the approve bar;
// on a line, the box, the case and the line's own approve button follow one another,
// and Enter on that button approves that line alone.
func TestApprovalsKeyboard(t *testing.T) {
	t.Parallel()
	qc := seedQueuedCase(t, "بنعلي", "سلمى", []string{"medical_condition"}, nil,
		[]url.Values{support("medical", "Soins dentaires", "450", "MAD"), support("cash", "Loyer", "700", "MAD")})
	b := newTab(t)
	b.login("supervisor")
	// A short window: the queue is longer than the screen, the bar stuck at its bottom.
	b.do(chromedp.EmulateViewport(1366, 480))
	b.get("/approvals")
	b.waitLoaded()
	b.tabTo(func(f focus) bool { return f.TestID == "to-bar" })
	b.do(chromedp.KeyEvent(kb.Enter))
	if got := b.focused(); got.TestID != "approve-bar" {
		t.Errorf("the link to the bar leads the focus to %+v", got)
	}
	if f := b.tabTo(func(f focus) bool { return f.Tag != "BODY" }); f.TestID != "approve-selected" {
		t.Errorf("after the bar, Tab reaches %+v, not its approve button", f)
	}

	// The line: focus its box (as Tab would, reached from the line above), tick it with
	// Space, then Tab to the case and to the line's approve button.
	line := queueRow(qc.waiting[0])
	b.do(chromedp.Focus(chromedp.CSS(line + ` input[name="support_id"]`)))
	b.do(chromedp.KeyEvent(" "))
	if s := b.bar(); s.Count != "1" || !slices.Equal(s.Amounts, []string{"450,00 MAD"}) {
		t.Errorf("Space on the box: bar %+v", s)
	}
	b.do(chromedp.KeyEvent(" ")) // untick: the line's own button approves it alone
	b.tabTo(func(f focus) bool { return f.TestID == "queue-case" })
	f := b.tabTo(func(f focus) bool { return f.Tag != "BODY" })
	if f.TestID != "approve-one" {
		t.Fatalf("after the case link, Tab reaches %+v, not the line's approve button", f)
	}
	inView := eval[bool](b, `(function () { const r = document.activeElement.getBoundingClientRect();
		const bar = document.querySelector('[data-testid="approve-bar"]').getBoundingClientRect();
		return r.top >= 0 && r.bottom <= Math.min(innerHeight, bar.top) && r.left >= 0 && r.right <= innerWidth; })()`)
	if !inView {
		t.Error("the focused approve button is not in view, or hidden under the approve bar")
	}
	resp, err := chromedp.RunResponse(b.ctx, chromedp.KeyEvent(kb.Enter))
	if err != nil || resp.Status != 200 {
		t.Fatalf("Enter on approve: %v", err)
	}
	if b.has(line) || !b.has(queueRow(qc.waiting[1])) {
		t.Errorf("approved alone: line gone %v, the other kept %v", !b.has(line), b.has(queueRow(qc.waiting[1])))
	}
	if got := b.text(`[data-testid="flash-success"]`); got == "" {
		t.Error("no confirmation")
	}
}

// Without JavaScript the bar shows its hint and the approve button; "tick all on this
// page" is a link that draws the page with every line ticked; a line ticked by hand is
// approved and the answer confirms it.
func TestApprovalsWithoutJavaScript(t *testing.T) {
	t.Parallel()
	qc := seedQueuedCase(t, "Koné", "Awa", nil, nil, []url.Values{support("cash", "Aide d'urgence", "640", "MAD"), support("cash", "Transport", "120", "MAD")})
	b := newTab(t)
	b.noScript()
	b.login("nojs")
	b.get("/approvals")
	if !b.rendered(testSel("bar-hint")) || b.rendered(testSel("bar-live")) || !b.rendered(testSel("approve-selected")) {
		t.Error("without JavaScript the bar does not show its hint and button")
	}
	if b.rendered(testSel("select-all")) || !b.rendered(testSel("select-all-link")) {
		t.Error("without JavaScript the select-all box shows, or its link does not")
	}
	if s := b.bar(); s.Checked != 0 {
		t.Fatalf("%d ticked on arrival", s.Checked)
	}
	if st := b.submit("select-all-link"); st != 200 {
		t.Fatalf("select all: %d", st)
	}
	if s := b.bar(); s.Checked != s.Boxes || s.Count != fmt.Sprint(s.Boxes) {
		t.Errorf("select all without JavaScript: %+v", s)
	}
	b.submit("select-all-link") // untick all
	if s := b.bar(); s.Checked != 0 {
		t.Fatalf("untick all: %+v", s)
	}
	b.do(chromedp.Click(chromedp.CSS(queueRow(qc.waiting[0]) + ` input[name="support_id"]`)))
	if st := b.submit("approve-selected"); st != 200 {
		t.Fatalf("approve: %d", st)
	}
	if got := b.text(`[data-testid="flash-success"]`); !strings.Contains(got, "1") {
		t.Errorf("flash %q", got)
	}
	if b.has(queueRow(qc.waiting[0])) || !b.has(queueRow(qc.waiting[1])) {
		t.Error("the line ticked was not the one approved")
	}
}

// On a phone (390 px), in French and in Arabic, each line is a card whose amount and
// approve button are in view without scrolling sideways, and the page never scrolls
// sideways.
func TestApprovalsNarrow(t *testing.T) {
	t.Parallel()
	qc := seedQueuedCase(t, "Ndiaye", "Mariama Aminata", []string{"unaccompanied_child"}, nil,
		[]url.Values{support("micro_project", "Petit commerce de tissus et de pagnes à Dakar, avec étal et stock de départ", "1040000", "XOF")})
	for _, who := range []string{"supervisor", "ar-supervisor"} {
		b := newTab(t)
		b.login(who)
		b.do(chromedp.EmulateViewport(390, 844))
		b.get("/approvals")
		type box struct{ Left, Right, Width, Scroll float64 }
		measure := func(sel string) box {
			s, _ := json.Marshal(sel)
			return eval[box](b, `(function (el) { const r = el.getBoundingClientRect();
				return {Left: r.left, Right: r.right, Width: document.documentElement.clientWidth, Scroll: document.documentElement.scrollWidth}; })(document.querySelector(`+string(s)+`))`)
		}
		for _, part := range []string{`[data-testid="queue-amount"]`, `[data-testid="approve-one"]`, `input[name="support_id"]`} {
			m := measure(queueRow(qc.waiting[0]) + " " + part)
			if m.Left < 0 || m.Right > m.Width+1 {
				t.Errorf("%s at 390 px: %s spans %.0f..%.0f of %.0f", who, part, m.Left, m.Right, m.Width)
			}
			if m.Scroll > m.Width+1 {
				t.Errorf("%s at 390 px: the page is %.0f px wide", who, m.Scroll)
			}
		}
		if who == "ar-supervisor" && b.attr("html", "dir") != "rtl" {
			t.Error("the Arabic page is not right to left")
		}
	}
}

// TestApprovalsScreens takes the queue at 1366 and 390 px, in French and Arabic, the
// whole page and the first screen (where the approve bar sits at the bottom), into
// AWDA_SCREENSHOTS, for a person to look at.
func TestApprovalsScreens(t *testing.T) {
	if screenshotDir == "" {
		t.Skip("set AWDA_SCREENSHOTS=dir to take the approvals screenshots")
	}
	seedQueuedCase(t, "Camara", "Aminata", []string{"trafficking_victim", "single_parent", "medical_condition"},
		[]url.Values{support("cash", "Aide à l'arrivée", "1500", "MAD"), support("medical", "Soins", "45000", "XOF")},
		[]url.Values{support("micro_project", "Petit commerce de tissus à Conakry", "1040000", "XOF"), support("cash", "Loyer de trois mois", "2400", "MAD")})
	seedQueuedCase(t, "العلوي", "فاطمة الزهراء", []string{"pregnant"}, nil,
		[]url.Values{support("medical", "Suivi de grossesse", "3200,50", "MAD")})
	seedQueuedCase(t, "Diop", "Cheikh", nil, []url.Values{support("training", "Formation en mécanique", "600", "EUR")},
		[]url.Values{support("training", "Outillage", "350", "EUR"), support("cash", "Transport", "80000", "XOF")})
	for _, who := range []string{"supervisor", "ar-supervisor"} {
		b := newTab(t)
		b.login(who)
		for _, width := range []int64{1366, 390} {
			b.get("/approvals")
			b.waitLoaded()
			b.do(chromedp.Click(chromedp.CSS(`input[name="support_id"]`)))
			name := fmt.Sprintf("approvals-%s-%d", who, width)
			t.Logf("%s", b.screenshot(screenshotDir, name, width))
			height := int64(768)
			if width == 390 {
				height = 844
			}
			b.do(chromedp.EmulateViewport(width, height))
			png := run(b, chromedp.CaptureScreenshot())
			path := filepath.Join(screenshotDir, name+"-screen.png")
			if err := os.WriteFile(path, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s", path)
			b.do(chromedp.ResetViewport())
		}
	}
}
