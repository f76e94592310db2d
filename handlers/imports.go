package handlers

import (
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

// The case import keeps nothing on disk: the dry run reads the uploaded file in memory
// and shows its SHA-256; to import, the administrator uploads the same file again with
// commit=1 and that hash, and the file is validated again and imported in one
// transaction. A different file, or one with any error, imports nothing.

// importPage fills the page's lists.
func (s *server) importPage(c echo.Context, p views.ImportPage) (views.ImportPage, error) {
	ctx := c.Request().Context()
	var err error
	scope := currentUser(c).Scope()
	if p.Offices, err = s.scopedOffices(c, scope); err != nil {
		return p, err
	}
	p.MaxMB = models.ImportMaxBytes >> 20
	if !scope.AllOffices() {
		// The recent imports come from the audit log, which is the whole portal's.
		return p, nil
	}
	p.Recent, err = s.stores.Audit.Recent(ctx, 10, "import.cases")
	return p, err
}

func (s *server) showImports(c echo.Context) error {
	p, err := s.importPage(c, views.ImportPage{})
	if err != nil {
		return err
	}
	return s.ok(c, views.AdminImports(p))
}

// importTooLarge answers an upload over the limit without reading it.
func (s *server) importTooLarge(c echo.Context) error {
	p, err := s.importPage(c, views.ImportPage{Errors: map[string]string{"file": "admin.import.error.too_large"}})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusRequestEntityTooLarge, views.AdminImports(p))
}

// postImport runs a dry run, or with commit=1 the import itself.
func (s *server) postImport(c echo.Context) error {
	p := views.ImportPage{Office: c.FormValue("office")}
	fh, err := c.FormFile("file")
	if err != nil {
		p.Errors = map[string]string{"file": "admin.import.error.no_file"}
		if p, err = s.importPage(c, p); err != nil {
			return err
		}
		return s.invalid(c, views.AdminImports(p))
	}
	if fh.Size > models.ImportMaxBytes {
		return s.importTooLarge(c)
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(f, models.ImportMaxBytes+1))
	_ = f.Close()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var res *models.ImportResult
	if c.FormValue("commit") == "1" {
		res, err = s.stores.Imports.Import(ctx, actor(c), data, p.Office, c.FormValue("sha256"))
	} else {
		res, err = s.stores.Imports.DryRun(ctx, currentUser(c).Scope(), data, p.Office)
	}
	if err != nil {
		return err
	}
	if res.Imported > 0 {
		s.flash(c, "success", "admin.import.done", "Count", strconv.Itoa(res.Imported), "First", res.First, "Last", res.Last)
		return redirect(c, views.PathAdminImports)
	}
	p.Result = res
	if p, err = s.importPage(c, p); err != nil {
		return err
	}
	if !res.OK() {
		return s.invalid(c, views.AdminImports(p))
	}
	return s.ok(c, views.AdminImports(p))
}

// limitUpload caps an import's body at Config.UploadLimit before anything reads it (the
// CSRF check parses the form). A larger body is answered with the import page and a
// clear message, to an administrator only (the route's rule applies as usual).
func (s *server) limitUpload() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		tooLarge := s.guard(admins, views.PathAdminImports, s.importTooLarge)
		return func(c echo.Context) error {
			r := c.Request()
			if r.Method != http.MethodPost || !isUpload(c) {
				return next(c)
			}
			if r.ContentLength > s.cfg.UploadLimit {
				return tooLarge(c)
			}
			body := &cappedBody{ReadCloser: r.Body, left: s.cfg.UploadLimit}
			r.Body = body
			err := next(c)
			if body.over && !c.Response().Committed {
				return tooLarge(c)
			}
			return err
		}
	}
}

// cappedBody fails reads past a limit and remembers that it did.
type cappedBody struct {
	io.ReadCloser
	left int64
	over bool
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// At the limit: the body may end here; one more byte means it is too large.
		var one [1]byte
		if n, err := b.ReadCloser.Read(one[:]); n == 0 {
			return 0, err
		}
		b.over = true
		return 0, &http.MaxBytesError{Limit: 0}
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}
