package handlers

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"awda/cmd/awdaload/load"
	"awda/models"
	"awda/models/dbtest"
)

var zzHref = regexp.MustCompile(`href="([^"]+)"`)
var zzDigits = regexp.MustCompile(`[0-9]+`)

func BenchmarkZZCrawl(b *testing.B) {
	scale := os.Getenv("ZZ_SCALE")
	path := benchDemoCopy(b, scale)
	ctx := context.Background()
	db, err := models.Open(ctx, path, quietLogger())
	if err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	if err := models.Migrate(ctx, db); err != nil {
		b.Fatal(err)
	}
	fmt.Println("migrate", time.Since(t0))
	stores := models.NewStores(db, time.Now, dbtest.CheapArgon)
	srv := newPortal(b, stores, quietLogger())
	hs := httptest.NewServer(srv.e)
	defer hs.Close()
	roles := strings.Fields(os.Getenv("ZZ_ROLES"))
	if len(roles) == 0 {
		roles = []string{"caseworker.rab@awda.local", "supervisor@awda.local", "supervisor.ouj@awda.local", "admin@awda.local"}
	}
	type res struct {
		who, path string
		d         time.Duration
		status    int
		size      int
	}
	var all []res
	for _, who := range roles {
		var cookies []*http.Cookie
		var id uint
		var u *models.User
		if !strings.HasPrefix(who, "admin") {
			cookies = benchDemoSignIn(b, hs, stores, who)
		} else {
			stores.DB.Read.Raw("SELECT id FROM users WHERE email = ?", who).Scan(&id)
			temp, _ := stores.Users.ResetPassword(ctx, models.Actor{IP: "bench"}, id)
			u, _ = stores.Users.Get(ctx, id)
			if err := stores.Users.ChangePassword(ctx, models.Actor{User: u, IP: "bench"}, u, models.PasswordChange{Current: temp, Password: dbtest.BenchPassword, Confirm: dbtest.BenchPassword}); err != nil {
				b.Fatal(err)
			}
			c := load.NewClient(hs.URL, nil)
			r, err := c.Get(ctx, "/login")
			fmt.Println(r.Status, err)
			r, err = c.Post(ctx, "/login", url.Values{"email": {who}, "password": {dbtest.BenchPassword}})
			fmt.Println(r.Status, r.Location, err)
			hu, _ := url.Parse(hs.URL)
			cookies = c.HTTP.Jar.Cookies(hu)
			var id uint
			stores.DB.Read.Raw("SELECT id FROM users WHERE email = ?", who).Scan(&id)
			secret, err := stores.Users.BeginTOTP(ctx, id)
			if err != nil {
				b.Fatal(err)
			}
			code, _ := models.TOTPCode(secret, time.Now())
			u, _ = stores.Users.Get(ctx, id)
			if _, err := stores.Users.EnableTOTP(ctx, models.Actor{User: u, IP: "x"}, id, code); err != nil {
				b.Fatal(err)
			}
		}
		cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		get := func(p string) (int, string, time.Duration) {
			best := time.Hour
			var body string
			var st int
			for range 3 {
				req, _ := http.NewRequest("GET", hs.URL+p, nil)
				for _, c := range cookies {
					req.AddCookie(c)
				}
				t := time.Now()
				resp, err := cl.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				bs, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				d := time.Since(t)
				best = min(best, d)
				body, st = string(bs), resp.StatusCode
				if d > 2*time.Second {
					break
				}
			}
			return st, body, best
		}
		seen := map[string]bool{}
		shapes := map[string]int{}
		queue := []string{"/"}
		seen["/"] = true
		for len(queue) > 0 {
			p := queue[0]
			queue = queue[1:]
			st, body, d := get(p)
			all = append(all, res{who, p, d, st, len(body)})
			fmt.Fprintf(os.Stderr, "%s %s %d %s\n", who, p, st, d)
			for _, m := range zzHref.FindAllStringSubmatch(body, -1) {
				h := strings.ReplaceAll(m[1], "&amp;", "&")
				if !strings.HasPrefix(h, "/") || strings.HasPrefix(h, "//") || strings.HasPrefix(h, "/static") || strings.Contains(h, "logout") {
					continue
				}
				if seen[h] {
					continue
				}
				u, _ := url.Parse(h)
				keys := []string{}
				for k := range u.Query() {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				shape := zzDigits.ReplaceAllString(u.Path, "N") + "?" + strings.Join(keys, ",")
				if shapes[shape] >= 4 {
					continue
				}
				shapes[shape]++
				seen[h] = true
				queue = append(queue, h)
			}
		}
	}
	slices.SortFunc(all, func(a, b res) int { return int(b.d - a.d) })
	for i, r := range all {
		if i > 40 {
			break
		}
		fmt.Printf("%8.1f ms %d %7d %s %s\n", float64(r.d.Microseconds())/1000, r.status, r.size, r.who, r.path)
	}
	fmt.Println("pages", len(all))
}
