package handlers

import (
	"bytes"
	"net/http"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"awda/views"
)

// viewRequest gathers the cross-cutting data the layout needs.
func (s *server) viewRequest(c echo.Context) *views.Request {
	st := getState(c)
	csrf := s.csrfToken(c)
	user := st.user
	if mfaPending(c) {
		// Not signed in yet: no navigation until the second factor is given.
		user = nil
	}
	return &views.Request{
		Lang:      st.lang,
		User:      user,
		CSRF:      csrf,
		Path:      c.Request().URL.RequestURI(),
		Flashes:   s.takeFlashes(c),
		Catalog:   s.catalog,
		Asset:     s.assets.URL,
		RequestID: c.Response().Header().Get(echo.HeaderXRequestID),
	}
}

// render writes a component into a buffer first, so that a template error becomes a
// clean 500 page instead of half a page.
func (s *server) render(c echo.Context, status int, cmp templ.Component) error {
	ctx := views.WithRequest(c.Request().Context(), s.viewRequest(c))
	buf := s.pages.get()
	defer s.pages.put(buf)
	if err := cmp.Render(ctx, buf); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// pageBuffers keeps the buffers pages are rendered into for the next pages: a page grew
// its own from nothing, doubling it some ten times, and those copies were a sixth of
// what a home page allocated. A buffer grown past maxKeptPageBuffer (a very long page) is
// left to the collector rather than held.
type pageBuffers struct{ pool sync.Pool }

const maxKeptPageBuffer = 1 << 20

func (p *pageBuffers) get() *bytes.Buffer {
	if b, ok := p.pool.Get().(*bytes.Buffer); ok {
		return b
	}
	return new(bytes.Buffer)
}

// put gives a buffer back once what was rendered into it has been written out.
func (p *pageBuffers) put(b *bytes.Buffer) {
	if b.Cap() > maxKeptPageBuffer {
		return
	}
	b.Reset()
	p.pool.Put(b)
}

// ok renders a page with 200.
func (s *server) ok(c echo.Context, cmp templ.Component) error {
	return s.render(c, http.StatusOK, cmp)
}

// invalid renders a form again with 422 and every typed value kept.
func (s *server) invalid(c echo.Context, cmp templ.Component) error {
	return s.render(c, http.StatusUnprocessableEntity, cmp)
}

// t translates a key in the request's language, for text built in handlers (CSV headers,
// attachment names).
func (s *server) t(c echo.Context, key string, args ...any) string {
	return s.catalog.T(getState(c).lang, key, args...)
}
