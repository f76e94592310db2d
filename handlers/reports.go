package handlers

import (
	"runtime"

	"github.com/labstack/echo/v4"
)

// reportSlots bounds how many summary requests compute at once. A summary reads
// thousands of prepared rows and costs several times a case page; a reporting morning
// (32 supervisors on the summary at once, at 122,000 cases) otherwise took the CPU from
// the caseworkers, whose pages' p99 rose from 11–23 ms to 160–280 ms. With half the
// CPUs for summaries it stayed at 20–36 ms, and the summaries queue for their slots
// instead, first come first served.
type reportSlots chan struct{}

// defaultReportSlots is half the CPUs, at least one.
func defaultReportSlots() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// wrap runs h in a slot. A request whose deadline passes while it waits is answered
// as the database being busy (503, try again), as any other request that ran out of
// time.
func (slots reportSlots) wrap(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-slots }()
		return h(c)
	}
}
