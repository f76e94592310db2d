package handlers

import (
	"net/http"
	"runtime"
	"strings"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/static"
	"awda/views"
)

// slots bounds how many requests of a kind run at once. Those that find every slot
// taken wait in line, first come first served: a channel serves its blocked senders
// in the order they came.
type slots chan struct{}

// wrap runs h in a slot. A request whose deadline passes while it waits is answered
// as the database being busy (503, try again), as any other request that ran out of
// time.
func (s slots) wrap(h echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		select {
		case s <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-s }()
		return h(c)
	}
}

// The work slots bound how many page and form requests compute at once. When more
// users are busy than the CPUs can serve, the others wait in line for a slot instead of
// all sharing the CPUs at once. Sharing favoured the shortest requests: a form, which
// holds the one write connection while its transaction runs, was slowed by every page
// computing beside it, and every other form waited behind it; a sign-in's password hash
// got a tenth of a CPU. Under the 50-user load on 2 CPUs, the forms' p99 fell from
// 280–375 ms to 115–130 ms and the sign-ins' from over a second to 250–290 ms; the
// pages' stayed at 100–110 ms.
//
// A request takes its slot once its form is read (the middleware runs after the CSRF
// check, which reads it), so a slow sender holds none; a page is rendered into a buffer
// and written at once.

// defaultWorkSlots is two per CPU on SQLite, whose queries compute in this process:
// enough for the CPUs to keep busy while some of the slots' requests wait on the disk
// or the write connection. Four per CPU served 3–8% more requests under that load, but
// a sign-in's hash then shared the CPUs with eight pages, and the sign-ins' p99 went
// back to 390–600 ms. PostgreSQL's queries compute in its own processes, and a request
// waits for their answers without using a CPU here: four per CPU. Under the 50-user
// load on PostgreSQL, with 2, 4 and 8 per CPU: 257, 321 and 293 req/s, pages' p99
// 300–416, 194–231 and 182–221 ms, forms' 320–450, 340–390 and 500–690 ms (without
// slots: 217 req/s, 45–215 ms and 1.5–1.9 s).
func defaultWorkSlots(dialect models.Dialect) int {
	perCPU := 2
	if dialect == models.Postgres {
		perCPU = 4
	}
	return perCPU * max(1, runtime.GOMAXPROCS(0))
}

// admit runs each request in a work slot, except those that must not wait behind the
// pages or that are bounded otherwise.
func (s *server) admit(next echo.HandlerFunc) echo.HandlerFunc {
	admitted := s.work.wrap(next)
	return func(c echo.Context) error {
		if ownPace(c) {
			return next(c)
		}
		return admitted(c)
	}
}

// ownPace reports the requests that run outside the work slots:
//   - the page's files and the health probe: cheap, and what shows that the portal is
//     alive while it is busy;
//   - the summaries and the sign-in, which have slots of their own (report slots, the
//     password hash limiter): waiting for those while holding a work slot would let a
//     reporting morning or a storm of sign-ins take every page's slot;
//   - exports, imports and documents, which stream at the pace of the user's
//     connection, for minutes on a poor one.
func ownPace(c echo.Context) bool {
	path := c.Path()
	switch {
	case strings.HasPrefix(path, static.Prefix), path == views.PathHealth:
		return true
	case strings.HasPrefix(path, views.PathSummary), c.Request().Method == http.MethodPost && path == views.PathLogin:
		return true
	}
	return isExport(c) || isUpload(c) || isDocumentUpload(c) || isDocumentFile(c)
}
