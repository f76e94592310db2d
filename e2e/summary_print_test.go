package e2e

import (
	"encoding/csv"
	"strings"
	"testing"
)

// The printed summary names what it counts: its period, every filter (the one chosen
// and the defaults), who produced it and when, and the source; each figure keeps its
// definition on paper.
func TestSummaryPrintNamesItsFilters(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.login("supervisor")
	b.get("/summary?from=" + thisYear + "-01-01&to=" + thisYear + "-12-31&direction=outbound&delivered=1")
	b.media("print")
	defer b.media("")
	if !b.rendered(testSel("summary-meta")) {
		t.Fatal("print: the summary's description is hidden")
	}
	for sel, want := range map[string]string{
		"meta-period":    thisYear,
		"meta-office":    "RAB",
		"meta-direction": "Départ du Maroc",
		"meta-support":   "Remises seulement",
		"meta-sex":       "Tous",
		"meta-produced":  "Youssef Alami",
		"meta-source":    "Awda",
	} {
		if got := b.text(testSel(sel)); !strings.Contains(got, want) {
			t.Errorf("print: %s says %q, want %q in it", sel, got, want)
		}
	}
	for _, sel := range []string{testSel("def-returns"), testSel("def-trained"), testSel("def-support")} {
		if !b.rendered(sel) {
			t.Errorf("print: the definition %s is hidden", sel)
		}
	}
	if got := b.text(testSel("def-support")); !strings.Contains(got, "remises seulement") {
		t.Errorf("print: the support definition %q does not follow the delivered-only filter", got)
	}
	if b.rendered("form.filters") {
		t.Error("print: the filter form is shown")
	}
}

// A supervisor of one office downloads summary.csv with only that office's figures,
// even when the URL names another office; the file states its filters and author.
func TestSupervisorDownloadsOwnOfficeSummaryCSV(t *testing.T) {
	t.Parallel()
	b := newTab(t)
	b.login("supervisor")
	b.get("/summary?from=" + thisYear + "-01-01&to=" + thisYear + "-12-31")
	href := eval[string](b, `document.querySelector('[data-testid="summary-csv"]').getAttribute('href')`)
	if !strings.HasPrefix(href, "/summary.csv?") {
		t.Fatalf("the supervisor's CSV link is %q", href)
	}
	for _, path := range []string{href, "/summary.csv?from=" + thisYear + "-01-01&to=" + thisYear + "-12-31&office=OUJ"} {
		status, body := b.fetch(path)
		if status != 200 {
			t.Fatalf("%s: status %d", path, status)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		cells := map[string]string{}
		for _, r := range rows[1:] {
			cells[r[0]+"/"+r[1]] = r[3]
			if r[0] == "returns_office" && r[1] != "RAB" {
				t.Errorf("%s: the file has %s's returns", path, r[1])
			}
		}
		if cells["meta/office"] != "RAB" || cells["meta/produced_by"] != "Youssef Alami" || cells["meta/from"] != thisYear+"-01-01" {
			t.Errorf("%s: the file describes itself as %v", path, cells)
		}
		if _, ok := cells["indicator/returns"]; !ok {
			t.Errorf("%s: no returns figure", path)
		}
	}
}
