// Package e2e holds the browser tests: they build bin/awda, serve it on a loopback port
// with a fresh database (SQLite, or a PostgreSQL schema with AWDA_TEST_DB=postgres), and
// drive it in headless Chromium (Debian's chromium package) through chromedp. There is
// no code here besides the tests; run them with `make test-e2e`, and `make screenshots`
// for the review screenshots.
//
// A journey is a test that opens a tab (newTab: its own cookies and cache, a screenshot
// in e2e/artifacts/ when it fails) and uses the helpers of tab_test.go: login(account),
// get(path) → status, fill(label or name, value), choose(select, option), check(box,
// on), submit(data-testid) → status, click, text/testText/value/attr/has/rendered/style,
// focused/tabTo for the keyboard, checkAxe(what), fetch(path) for downloads, media("print"),
// noScript(), and the network log (b.net). Accounts are made in main_test.go.
//
// For the cases (cases_*_test.go): setDate for a date input, typeDate/press/shiftTab/
// pressSubmit for the keyboard, checked/selectedText/errorOf to read a form back,
// measure for a page's weight; newCase(t, account, form) registers a case over plain
// HTTP (portal), quicker than the browser, for tests that only look at one. TestMain
// registers the fixture case /cases/1 (fixtureForm) that pages and shots name.
//
// Adding a page to every check is one line: append it to pages in pages_test.go (path,
// who may see it); to the review screenshots, one line to shots.
package e2e
