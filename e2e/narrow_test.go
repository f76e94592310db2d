package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// On a narrow screen (a phone, or a small window on an old laptop) no page scrolls
// sideways, left to right or right to left.
func TestNarrowScreens(t *testing.T) {
	for _, who := range []string{"", "caseworker", "arabic", "ar-supervisor", "ar-hq-supervisor", "ar-admin"} {
		t.Run(whoName(who), func(t *testing.T) {
			t.Parallel()
			b := newTab(t)
			if who != "" {
				b.login(who)
			}
			b.do(chromedp.EmulateViewport(360, 740))
			for _, p := range pages {
				if !contains(p.Who, who) {
					continue
				}
				b.get(p.Path)
				type overflow struct {
					Scroll, Client float64
					Wide           []string
				}
				o := eval[overflow](b, `(function () {
					const d = document.documentElement, w = d.clientWidth;
					const wide = [...document.body.querySelectorAll('*')].filter(e => {
						const r = e.getBoundingClientRect();
						return r.width > 0 && (r.right > w + 1 || r.left < -1);
					}).slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' ' + Math.round(e.getBoundingClientRect().left) + '..' + Math.round(e.getBoundingClientRect().right));
					return {Scroll: d.scrollWidth, Client: w, Wide: wide};
				})()`)
				if o.Scroll > o.Client+1 {
					t.Errorf("%s as %s at 360 px: the page is %.0f px wide (viewport %.0f); too wide: %v", p.Path, whoName(who), o.Scroll, o.Client, o.Wide)
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
