package e2e

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The layout checks look at every page of pages as a person would, where axe-core does
// not: a control too narrow for its text, a heading broken inside a word, a chart label
// too small to read, a link too small to tap. They run signed out and as each role, in
// French and Arabic, on a laptop (1366 px) and a phone (390 px).
//
// One page or group of pages: go test -run 'TestLayout/.*/^(cases|case-file)-' ./e2e/
// (the second level is the account, the third PAGE-WIDTH), or AWDA_LAYOUT_PAGES='cases|case-file'
// which also spares the sign-ins of the accounts that see none of them.

// layoutWidths are the two viewports: a common laptop, and a common phone.
var layoutWidths = []int64{1366, 390}

// layoutTwin is, for each French account of a role, the Arabic account of the same role
// (and back), so that every page is checked in both directions whichever of the two
// pages names.
var layoutTwin = map[string]string{
	"caseworker":       "arabic",
	"supervisor":       "ar-supervisor",
	"admin":            "ar-admin",
	"hq-supervisor":    "ar-hq-supervisor",
	"arabic":           "caseworker",
	"ar-supervisor":    "supervisor",
	"ar-admin":         "admin",
	"ar-hq-supervisor": "hq-supervisor",
}

// layoutVisitors stand for a visitor who has not signed in, in each language: their
// pages get ?lang= set.
var layoutVisitors = map[string]string{"visitor-fr": "fr", "visitor-ar": "ar"}

// layoutPlan lists, for each account (or visitor) of the layout checks, the pages it
// loads: every page of pages in French and Arabic, English accounts left to axe.
func layoutPlan() (order []string, plan map[string][]pageSpec) {
	filter := os.Getenv("AWDA_LAYOUT_PAGES")
	var re *regexp.Regexp
	if filter != "" {
		re = regexp.MustCompile("^(" + filter + ")$")
	}
	plan = map[string][]pageSpec{}
	seen := map[string]bool{}
	add := func(who string, p pageSpec) {
		key := who + " " + p.Path
		if seen[key] {
			return
		}
		seen[key] = true
		if _, ok := plan[who]; !ok {
			order = append(order, who)
		}
		plan[who] = append(plan[who], p)
	}
	for _, p := range pages {
		if re != nil && !re.MatchString(p.Name) {
			continue
		}
		for _, w := range p.Who {
			switch {
			case w == "":
				// The visitor's pages differ by language only through ?lang=: one of
				// login-fr/-en/-ar is enough, in each language.
				u, _ := url.Parse(p.Path)
				q := u.Query()
				q.Del("lang")
				u.RawQuery = q.Encode()
				for v, lang := range layoutVisitors {
					q := u.Query()
					q.Set("lang", lang)
					vp := p
					vp.Path = u.Path + "?" + q.Encode()
					vp.Name = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(p.Name, "-fr"), "-en"), "-ar")
					add(v, vp)
				}
			case accounts[w].Language == "en":
			default:
				add(w, p)
				if twin := layoutTwin[w]; twin != "" {
					add(twin, p)
				}
			}
		}
	}
	return order, plan
}

// layoutProblem is one thing the checks found on a page.
type layoutProblem struct {
	Check   string // scroll, title, clipped, broken-word, small-text, small-target
	Element string // tag#id.class[data-testid] "text"
	Detail  string
}

// TestLayout runs the checks of layoutJS on every page at both widths.
func TestLayout(t *testing.T) {
	order, plan := layoutPlan()
	for _, who := range order {
		t.Run(who, func(t *testing.T) {
			t.Parallel()
			b := newTabFor(t, 10*time.Minute)
			lang := layoutVisitors[who]
			role := "visitor"
			if lang == "" {
				b.login(who)
				lang, role = accounts[who].Language, accounts[who].Role
			}
			for _, p := range plan[who] {
				for _, w := range layoutWidths {
					parent := b.t
					t.Run(fmt.Sprintf("%s-%d", p.Name, w), func(t *testing.T) {
						b.t = t
						defer func() { b.t = parent }()
						b.do(chromedp.EmulateViewport(w, 800))
						b.net.reset() // a request the last page left unfinished would hold waitLoaded
						if st := b.get(p.Path); st != p.status() {
							t.Errorf("%s: status %d, want %d", p.Path, st, p.status())
							return
						}
						b.waitLoaded()
						for _, pr := range layoutProblems(b) {
							t.Errorf("%s at %d px, %s, %s (%s): %s: %s %s", p.Path, w, lang, whoName(who), role, pr.Check, pr.Element, pr.Detail)
						}
					})
				}
			}
		})
	}
}

// layoutProblems runs layoutJS on the page shown.
func layoutProblems(b *tab) []layoutProblem {
	b.t.Helper()
	return eval[[]layoutProblem](b, layoutJS)
}

// layoutJS is the check, in the page. Each kind of problem is reported at most eight
// times per page (a table of fifty rows repeats the same fault), with a count of the rest.
const layoutJS = `(function () {
	const out = [], counts = {};
	const MAX = 8;
	function report(check, el, detail) {
		counts[check] = (counts[check] || 0) + 1;
		if (counts[check] <= MAX) out.push({Check: check, Element: describe(el), Detail: detail});
	}
	function describe(el) {
		if (!el || !el.tagName) return String(el);
		let s = el.tagName.toLowerCase();
		if (el.id) s += '#' + el.id;
		if (typeof el.className === 'string' && el.className.trim()) s += '.' + el.className.trim().split(/\s+/).join('.');
		else if (el.className && el.className.baseVal) s += '.' + el.className.baseVal.trim().split(/\s+/).join('.');
		const tid = el.getAttribute('data-testid');
		if (tid) s += '[data-testid=' + tid + ']';
		if (el.name) s += '[name=' + el.name + ']';
		let text = (el.tagName === 'SELECT' ? (el.selectedOptions[0] || {}).textContent : el.tagName === 'INPUT' ? (el.value || el.placeholder) : el.textContent) || '';
		text = text.replace(/\s+/g, ' ').trim();
		if (text.length > 50) text = text.slice(0, 50) + '…';
		return s + (text ? ' "' + text + '"' : '');
	}
	function shown(el) {
		if (!el.getClientRects().length) return false;
		const r = el.getBoundingClientRect();
		if (r.width <= 1 || r.height <= 1) return false; // visually hidden
		const cs = getComputedStyle(el);
		if (cs.visibility === 'hidden') return false;
		// Inside a closed <details>, or clipped away as visually hidden text.
		for (let p = el; p && p !== document.body; p = p.parentElement) {
			const ps = getComputedStyle(p);
			if (ps.clip === 'rect(0px, 0px, 0px, 0px)' || ps.clipPath === 'inset(50%)') return false;
		}
		return true;
	}
	const ctx2d = document.createElement('canvas').getContext('2d');
	function textWidth(text, cs) {
		ctx2d.font = cs.fontStyle + ' ' + cs.fontWeight + ' ' + cs.fontSize + ' ' + cs.fontFamily;
		return ctx2d.measureText(text).width;
	}

	// 1. The page never scrolls sideways.
	const d = document.documentElement, vw = d.clientWidth;
	if (d.scrollWidth > vw + 1) {
		const wide = [...document.body.querySelectorAll('*')].filter(e => {
			const r = e.getBoundingClientRect();
			return r.width > 0 && (r.right > vw + 1 || r.left < -1);
		});
		// The outermost offenders say where the fault is.
		const top = wide.filter(e => !wide.includes(e.parentElement));
		report('scroll', top[0] || d, 'the page is ' + d.scrollWidth + ' px wide in a ' + vw + ' px viewport; too wide: ' + top.slice(0, 4).map(describe).join(', '));
	}

	// 2. One title per page.
	const h1 = [...document.querySelectorAll('h1')];
	if (h1.length !== 1) report('title', h1[1] || document.body, h1.length + ' <h1> on the page: ' + h1.map(h => '"' + h.textContent.trim() + '"').join(', '));

	// 2b. No control whose content is cut.
	for (const el of document.querySelectorAll('input, select, button, label, .badge, th, summary, [role=button]')) {
		if (!shown(el)) continue;
		const cs = getComputedStyle(el);
		if (el.tagName === 'SELECT' || el.tagName === 'INPUT') {
			const type = (el.type || '').toLowerCase();
			if (el.tagName === 'INPUT' && !['text', 'search', 'email', 'tel', 'number', 'url', 'password', ''].includes(type)) continue;
			if (el.tagName === 'SELECT' && el.multiple) continue;
			const text = el.tagName === 'SELECT' ? ((el.selectedOptions[0] || {}).textContent || '').trim() : (el.value || el.placeholder || '');
			if (!text) continue;
			const pad = parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight);
			const room = el.clientWidth - pad;
			const need = type === 'password' ? 0 : textWidth(text, cs);
			if (need > room + 1) report('clipped', el, Math.round(need) + ' px of text in ' + Math.round(room) + ' px');
			continue;
		}
		if (cs.display === 'inline' || el.clientWidth === 0) continue;
		if (el.scrollWidth > el.clientWidth + 1) {
			report('clipped', el, 'content ' + el.scrollWidth + ' px wide in ' + el.clientWidth + ' px');
		} else if (cs.overflowY !== 'visible' && el.scrollHeight > el.clientHeight + 1) {
			report('clipped', el, 'content ' + el.scrollHeight + ' px tall in ' + el.clientHeight + ' px');
		}
	}

	// 3. No word broken across two lines inside a heading, a button or a badge.
	const range = document.createRange();
	for (const el of document.querySelectorAll('h1, h2, h3, h4, h5, h6, button, [role=button], summary, .badge, th, label')) {
		if (!shown(el)) continue;
		const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
		let broken = '';
		for (let n = walker.nextNode(); n && !broken; n = walker.nextNode()) {
			const re = /\S+/g;
			let m;
			while ((m = re.exec(n.data)) && !broken) {
				if (m[0].length < 2) continue;
				range.setStart(n, m.index);
				range.setEnd(n, m.index + m[0].length);
				const tops = [];
				for (const r of range.getClientRects()) {
					if (r.width < 1) continue;
					if (!tops.some(t => Math.abs(t - r.top) < 3)) tops.push(r.top);
				}
				if (tops.length > 1) broken = m[0];
			}
		}
		if (broken) report('broken-word', el, '"' + broken + '" is split across lines');
	}

	// 4. No text smaller than 12 px, SVG text at the size it is drawn.
	const tw = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	const small = new Set();
	for (let n = tw.nextNode(); n; n = tw.nextNode()) {
		if (!n.data.trim()) continue;
		const el = n.parentElement;
		if (!el || small.has(el) || ['SCRIPT', 'STYLE', 'OPTION', 'TITLE'].includes(el.tagName)) continue;
		if (el.closest('svg title, svg desc')) continue;
		if (!shown(el)) continue;
		let size = parseFloat(getComputedStyle(el).fontSize);
		if (el instanceof SVGElement) {
			const m = el.getScreenCTM();
			if (m) size *= Math.sqrt(m.a * m.a + m.b * m.b);
		}
		if (size < 11.95) {
			small.add(el);
			report('small-text', el, 'drawn at ' + size.toFixed(1) + ' px');
		}
	}

	// 5. Tap targets of at least 24 x 24 px (WCAG 2.2, 2.5.8), with its exceptions: a
	// link inside a sentence, and a smaller target whose 24 px circle touches no other.
	const targets = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, summary, textarea')].filter(shown);
	const boxes = targets.map(el => el.getBoundingClientRect());
	const under = boxes.map(r => r.width < 23.5 || r.height < 23.5);
	function inSentence(el) {
		if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
		const block = el.parentElement;
		const own = el.textContent.trim().length;
		return block && block.textContent.replace(/\s+/g, ' ').trim().length > own + 1;
	}
	function distToRect(x, y, r) {
		const dx = Math.max(r.left - x, 0, x - r.right), dy = Math.max(r.top - y, 0, y - r.bottom);
		return Math.hypot(dx, dy);
	}
	targets.forEach((el, i) => {
		if (!under[i] || inSentence(el)) return;
		// A check box or radio inside its label: the label is the target.
		const lab = el.closest('label');
		if (lab && (el.type === 'checkbox' || el.type === 'radio')) {
			const lr = lab.getBoundingClientRect();
			if (lr.width >= 23.5 && lr.height >= 23.5) return;
		}
		const r = boxes[i], cx = (r.left + r.right) / 2, cy = (r.top + r.bottom) / 2;
		const clash = targets.findIndex((o, j) => {
			if (j === i || o.contains(el) || el.contains(o)) return false;
			if (under[j]) {
				const q = boxes[j];
				return Math.hypot((q.left + q.right) / 2 - cx, (q.top + q.bottom) / 2 - cy) < 24;
			}
			return distToRect(cx, cy, boxes[j]) < 12;
		});
		if (clash >= 0) report('small-target', el, Math.round(r.width) + '×' + Math.round(r.height) + ' px, too close to ' + describe(targets[clash]));
	});

	for (const [check, n] of Object.entries(counts)) {
		if (n > MAX) out.push({Check: check, Element: '', Detail: (n - MAX) + ' more'});
	}
	return out;
})()`
