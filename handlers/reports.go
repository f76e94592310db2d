package handlers

import (
	"runtime"
)

// The report slots bound how many summary requests compute at once. A summary reads
// thousands of prepared rows and costs several times a case page; a reporting morning
// (32 supervisors on the summary at once, at 122,000 cases) otherwise took the CPU from
// the caseworkers, whose pages' p99 rose from 11–23 ms to 160–280 ms. With half the
// CPUs for summaries it stayed at 20–36 ms, and the summaries queue for their slots
// instead, first come first served. defaultReportSlots is their number: half the
// CPUs, at least one.
func defaultReportSlots() int { return max(1, runtime.GOMAXPROCS(0)/2) }
