package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// tab is one test's browser tab, in its own browser context (its own cookies and
// cache), with the network log of everything it loaded.
type tab struct {
	t   testing.TB
	ctx context.Context
	net *netLog
}

// newTab opens a tab for the test; it closes at the end of the test, after a
// screenshot into e2e/artifacts/<test>.png when the test failed.
func newTab(t testing.TB) *tab {
	t.Helper()
	return newTabFor(t, 90*time.Second)
}

// newTabFor is newTab for a test that needs the tab longer than 90 s (one sign-in,
// then every page of the portal).
func newTabFor(t testing.TB, limit time.Duration) *tab {
	t.Helper()
	if browserCtx == nil {
		t.Skip("e2e: Chromium not found, browser tests skipped")
	}
	tabCtx, cancelTab := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	if err := chromedp.Do(tabCtx); err != nil { // opens the tab, with no timeout
		cancelTab()
		t.Fatalf("open a tab: %v", err)
	}
	ctx, cancel := context.WithTimeout(tabCtx, limit)
	b := &tab{t: t, ctx: ctx, net: &netLog{reqs: map[network.RequestID]*request{}}}
	if err := chromedp.Listen(tabCtx, b.net.on); err != nil {
		t.Fatalf("listen to the network: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			shotCtx, c := context.WithTimeout(tabCtx, 10*time.Second)
			defer c()
			if png, err := fullPage(shotCtx, 1280); err == nil {
				name := regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(t.Name(), "_") + ".png"
				path := filepath.Join("artifacts", name)
				if os.MkdirAll("artifacts", 0o755) == nil && os.WriteFile(path, png, 0o644) == nil {
					t.Logf("screenshot of the failure: e2e/%s", path)
				}
			}
			if loc, err := chromedp.Run(shotCtx, chromedp.Location()); err == nil {
				t.Logf("the tab was at %s", loc)
			}
		}
		cancel()
		cancelTab()
	})
	return b
}

// do runs actions and fails the test at the first error.
func (b *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// run runs one action with a value and fails the test on error.
func run[T any](b *tab, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatalf("browser: %v", err)
	}
	return v
}

// eval evaluates JavaScript in the page and decodes its (JSON) value into T.
func eval[T any](b *tab, js string) T {
	b.t.Helper()
	return run(b, chromedp.Evaluate[T](js))
}

// get loads a path of the portal and returns the HTTP status of the document.
func (b *tab) get(path string) int64 {
	b.t.Helper()
	resp := run(b, chromedp.NavigateResponse(baseURL+path))
	if resp == nil {
		b.t.Fatalf("GET %s: no response", path)
	}
	return resp.Status
}

// submit clicks a control (by data-testid) that submits a form, waits for the page
// that answers, and returns its HTTP status.
func (b *tab) submit(testid string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(testSel(testid))))
	if err != nil {
		b.t.Fatalf("submit with %s: %v", testid, err)
	}
	return resp.Status
}

// submitCSS is submit for a control found by a CSS selector.
func (b *tab) submitCSS(sel string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("submit with %s: %v", sel, err)
	}
	return resp.Status
}

// click clicks an element by its data-testid (no wait for a navigation).
func (b *tab) click(testid string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS(testSel(testid))))
}

func testSel(testid string) string { return fmt.Sprintf("[data-testid=%q]", testid) }

// fill types a value into the form control named by its label text (as shown, without
// the required star), its name attribute or its id, after clearing it.
func (b *tab) fill(labelOrName, value string) {
	b.t.Helper()
	id := b.controlID(labelOrName)
	// chromedp.Clear only empties the value attribute, not what was typed.
	b.do(chromedpEval(`document.getElementById("`+id+`").value = ""`), chromedp.SendKeys(chromedp.ID(id), value))
}

// value reads the current value of a control named by label or name.
func (b *tab) value(labelOrName string) string {
	b.t.Helper()
	return run(b, chromedp.Value(chromedp.ID(b.controlID(labelOrName))))
}

// controlID finds the id of the control whose label or name is labelOrName, giving it
// one when it has none.
func (b *tab) controlID(labelOrName string) string {
	b.t.Helper()
	arg, _ := json.Marshal(labelOrName)
	id := eval[string](b, `(function (want) {
		let el = document.querySelector('[name="' + CSS.escape(want) + '"]:not([type=hidden])') || document.getElementById(want);
		if (!el) {
			for (const l of document.querySelectorAll('label')) {
				const text = l.textContent.replace('*', '').trim();
				if (text === want && l.control) { el = l.control; break; }
			}
		}
		if (!el) return '';
		if (!el.id) el.id = 'e2e-' + Math.random().toString(36).slice(2);
		return el.id;
	})(`+string(arg)+`)`)
	if id == "" {
		b.t.Fatalf("no form control labelled or named %q on %s", labelOrName, b.location())
	}
	return id
}

// text is the visible text of the first element matching a CSS selector.
func (b *tab) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(run(b, chromedp.Text(chromedp.CSS(sel))))
}

// testText is the text of the element with that data-testid.
func (b *tab) testText(testid string) string {
	b.t.Helper()
	return b.text(testSel(testid))
}

// has reports whether a CSS selector matches now (no waiting).
func (b *tab) has(sel string) bool {
	b.t.Helper()
	arg, _ := json.Marshal(sel)
	return eval[bool](b, `document.querySelector(`+string(arg)+`) !== null`)
}

// attr is an attribute of the first element matching sel ("" when absent).
func (b *tab) attr(sel, name string) string {
	b.t.Helper()
	s, _ := json.Marshal(sel)
	n, _ := json.Marshal(name)
	return eval[string](b, `(document.querySelector(`+string(s)+`)||{getAttribute(){return null}}).getAttribute(`+string(n)+`) || ""`)
}

// style is a computed CSS property of the first element matching sel.
func (b *tab) style(sel, prop string) string {
	b.t.Helper()
	s, _ := json.Marshal(sel)
	p, _ := json.Marshal(prop)
	return eval[string](b, `getComputedStyle(document.querySelector(`+string(s)+`)).getPropertyValue(`+string(p)+`)`)
}

// rendered reports whether the first element matching sel takes up room on the page
// (false when it, or a parent, is display: none).
func (b *tab) rendered(sel string) bool {
	b.t.Helper()
	s, _ := json.Marshal(sel)
	return eval[bool](b, `(function (el) { return !!el && el.getClientRects().length > 0; })(document.querySelector(`+string(s)+`))`)
}

// focus describes the focused element: its name, tag, data-testid and outline.
type focus struct {
	Name, Tag, TestID, Outline string
	Value                      string  // of a form control (a checkbox's value, a select's choice)
	Width                      float64 // of the outline, in px
}

// focused describes the element that has the keyboard focus.
func (b *tab) focused() focus {
	b.t.Helper()
	return eval[focus](b, `(function () {
		const el = document.activeElement, s = getComputedStyle(el);
		return {Name: el.getAttribute('name') || '', Tag: el.tagName, TestID: el.dataset.testid || '',
			Value: typeof el.value === 'string' ? el.value : '',
			Outline: s.outlineStyle, Width: parseFloat(s.outlineWidth) || 0};
	})()`)
}

// tabTo presses Tab until the focused element matches (at most 60 times) and fails the
// test when it never does. Every element reached on the way must show a visible focus.
func (b *tab) tabTo(match func(focus) bool) focus {
	b.t.Helper()
	var f focus
	for range 60 {
		b.do(chromedp.KeyEvent(kb.Tab))
		f = b.focused()
		if f.Tag != "BODY" && (f.Outline == "none" || f.Width < 2) {
			b.t.Errorf("focus on %+v is not visible", f)
		}
		if match(f) {
			return f
		}
	}
	b.t.Fatalf("Tab never reached the element wanted (last focus %+v)", f)
	return f
}

// choose selects, in a select named by label or name, the option shown as optionText
// (or whose value is optionText).
func (b *tab) choose(labelOrName, optionText string) {
	b.t.Helper()
	id := b.controlID(labelOrName)
	arg, _ := json.Marshal([]string{id, optionText})
	ok := eval[bool](b, `(function ([id, want]) {
		const el = document.getElementById(id);
		const opt = [...el.options].find(o => o.textContent.trim() === want || o.value === want);
		if (!opt) return false;
		el.value = opt.value;
		el.dispatchEvent(new Event('input', {bubbles: true}));
		el.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})(`+string(arg)+`)`)
	if !ok {
		b.t.Fatalf("%s: no option %q", labelOrName, optionText)
	}
}

// check ticks (on) or unticks a checkbox, or picks a radio, named by its label (or its
// name when it is the only one), by clicking it as a person would.
func (b *tab) check(labelOrName string, on bool) {
	b.t.Helper()
	id := b.controlID(labelOrName)
	if run(b, chromedp.JavascriptAttribute[bool](chromedp.ID(id), "checked")) != on {
		b.do(chromedp.Click(chromedp.ID(id)))
	}
	if got := run(b, chromedp.JavascriptAttribute[bool](chromedp.ID(id), "checked")); got != on {
		b.t.Fatalf("%s: checked = %v after the click, want %v", labelOrName, got, on)
	}
}

// fetch gets a path of the portal from inside the page, with the tab's cookies (to read
// a download such as a CSV export), and returns the status and the body, decoded from
// UTF-8 with its byte order mark kept when it has one. It needs
// JavaScript on.
func (b *tab) fetch(path string) (int, string) {
	b.t.Helper()
	arg, _ := json.Marshal(path)
	type res struct {
		Status int
		Body   string
	}
	r := run(b, chromedp.Evaluate[res](`fetch(`+string(arg)+`, {credentials: 'same-origin'}).then(async r => ({Status: r.status, Body: new TextDecoder('utf-8', {ignoreBOM: true}).decode(await r.arrayBuffer())}))`, chromedp.EvalAwaitPromise))
	return r.Status, r.Body
}

// location is the path (and query) of the page shown.
func (b *tab) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	if u, err := url.Parse(loc); err == nil {
		return u.RequestURI()
	}
	return loc
}

// login signs in through the form and fails the test unless it lands on the home page.
func (b *tab) login(who string) {
	b.t.Helper()
	a, ok := accounts[who]
	if !ok {
		b.t.Fatalf("no account %q", who)
	}
	b.get("/login")
	b.fill("email", a.Email)
	b.fill("password", password)
	if st := b.submit("login-submit"); st != 200 {
		b.t.Fatalf("sign in as %s: status %d at %s", who, st, b.location())
	}
	if hasSecondFactor(who) {
		if loc := b.location(); !strings.HasPrefix(loc, "/login/totp") {
			b.t.Fatalf("sign in as %s: landed on %s, not the second step", who, loc)
		}
		code, err := secondFactor(who)
		if err != nil {
			b.t.Fatal(err)
		}
		b.fill("code", code)
		if st := b.submit("login-totp-submit"); st != 200 {
			b.t.Fatalf("second step as %s: status %d at %s", who, st, b.location())
		}
	}
	if loc := b.location(); loc != "/" {
		b.t.Fatalf("sign in as %s: landed on %s, not the home page", who, loc)
	}
}

// fullPage captures the whole page as a PNG at the given viewport width: the viewport
// is made as tall as the page, then captured. (chromedp.FullScreenshot captures beyond
// the viewport, which draws right-to-left pages shifted sideways in Chromium.)
func fullPage(ctx context.Context, width int64) ([]byte, error) {
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
		return nil, err
	}
	h, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`Math.max(document.documentElement.scrollHeight, 200)`))
	if err != nil {
		return nil, err
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, int64(h))); err != nil {
		return nil, err
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return nil, err
	}
	return png, chromedp.Do(ctx, chromedp.ResetViewport())
}

// screenshot saves a full-page PNG, width px wide, under dir/name.png.
func (b *tab) screenshot(dir, name string, width int64) string {
	b.t.Helper()
	png, err := fullPage(b.ctx, width)
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return path
}

// media emulates a CSS media type ("print", or "" for the screen again).
func (b *tab) media(m string) {
	b.t.Helper()
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
		return err
	}))
}

// noScript turns JavaScript off in the tab, as a browser with scripts disabled.
func (b *tab) noScript() {
	b.t.Helper()
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
}

// cacheDisabled turns the browser's caches off (true) or on again, for a first-load
// measure.
func (b *tab) cacheDisabled(off bool) {
	b.t.Helper()
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: off})
		return err
	}))
}

// waitLoaded waits until the page's load event fired and the network is quiet.
func (b *tab) waitLoaded() {
	b.t.Helper()
	b.do(chromedp.WaitReady(chromedp.CSS("body")))
	b.net.waitIdle(b.t, 5*time.Second)
}

// netLog records every request of a tab: URL, type, status, bytes on the wire.
type netLog struct {
	mu    sync.Mutex
	reqs  map[network.RequestID]*request
	order []network.RequestID
}

type request struct {
	URL       string
	Type      network.ResourceType
	Status    int64
	Bytes     float64 // encodedDataLength: headers and body as transferred (0 when cached)
	FromCache bool
	Done      bool
}

func (n *netLog) on(ev any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	get := func(id network.RequestID) *request {
		r := n.reqs[id]
		if r == nil {
			r = &request{}
			n.reqs[id] = r
			n.order = append(n.order, id)
		}
		return r
	}
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		r := get(ev.RequestID)
		r.URL, r.Type = ev.Request.URL, ev.Type
	case *network.EventResponseReceived:
		r := get(ev.RequestID)
		r.URL, r.Type, r.Status = ev.Response.URL, ev.Type, ev.Response.Status
		if ev.Response.FromDiskCache || ev.Response.FromPrefetchCache {
			r.FromCache = true
		}
	// The end of a request started before the last reset is not recorded (it would
	// show as a request without a URL).
	case *network.EventRequestServedFromCache:
		if r := n.reqs[ev.RequestID]; r != nil {
			r.FromCache = true
		}
	case *network.EventLoadingFinished:
		if r := n.reqs[ev.RequestID]; r != nil {
			r.Bytes, r.Done = ev.EncodedDataLength, true
		}
	case *network.EventLoadingFailed:
		if r := n.reqs[ev.RequestID]; r != nil {
			r.Done = true
		}
	}
}

// reset forgets what was recorded, to measure the next page alone.
func (n *netLog) reset() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.reqs = map[network.RequestID]*request{}
	n.order = nil
}

// requests returns a copy of the requests, in the order they started.
func (n *netLog) requests() []request {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]request, 0, len(n.order))
	for _, id := range n.order {
		out = append(out, *n.reqs[id])
	}
	return out
}

// waitIdle waits until every request started has finished (or failed).
func (n *netLog) waitIdle(t testing.TB, max time.Duration) {
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) {
		n.mu.Lock()
		busy := 0
		for _, r := range n.reqs {
			if !r.Done && !strings.HasPrefix(r.URL, "data:") {
				busy++
			}
		}
		n.mu.Unlock()
		if busy == 0 {
			time.Sleep(50 * time.Millisecond) // late events of the same load
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("network not idle after %v", max)
}

// transferred is the sum of the bytes on the wire.
func transferred(reqs []request) float64 {
	var sum float64
	for _, r := range reqs {
		sum += r.Bytes
	}
	return sum
}

func describeRequests(reqs []request) string {
	var sb strings.Builder
	for _, r := range reqs {
		fmt.Fprintf(&sb, "\n  %-10s %3d %7.0f B cache=%-5v %s", r.Type, r.Status, r.Bytes, r.FromCache, r.URL)
	}
	return sb.String()
}

// chromedpEval is an Evaluate whose result is ignored, for do.
func chromedpEval(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](js)
}
