// Package e2e holds the browser tests: they build bin/awda, serve it on a loopback port
// with a fresh database, and drive it in headless Chromium (Debian's chromium package)
// through chromedp. There is no code here besides the tests; run them with
// `make test-e2e`, and `make screenshots` for the review screenshots.
//
// Adding a page to every check is one line: append it to the pages table in
// pages_test.go (path, who may see it, its screenshot name).
package e2e
