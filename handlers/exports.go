package handlers

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

// utf8BOM starts every CSV file, so spreadsheet programs read accents and Arabic right.
const utf8BOM = "\uFEFF"

// flushEvery is how many rows are written between flushes to the client.
const flushEvery = 500

// safeCell neutralises formula injection: a cell a spreadsheet would run as a formula
// (starting with = + - @, a tab or a carriage return) is prefixed with a quote.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvStream writes a CSV download as rows arrive: BOM, header, then each row, flushed
// to the client as it goes, so memory stays flat whatever the row count.
type csvStream struct {
	c    echo.Context
	w    *csv.Writer
	cell []string
	n    int
}

func (s *server) startCSV(c echo.Context, name string, header []string) *csvStream {
	date := s.stores.Now().UTC().Format("2006-01-02")
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="awda-%s-%s.csv"`, name, date))
	c.Response().WriteHeader(http.StatusOK)
	_, _ = c.Response().Write([]byte(utf8BOM))
	st := &csvStream{c: c, w: csv.NewWriter(c.Response())}
	_ = st.w.Write(header)
	return st
}

func (st *csvStream) row(r []string) error {
	st.cell = st.cell[:0]
	for _, v := range r {
		st.cell = append(st.cell, safeCell(v))
	}
	if err := st.w.Write(st.cell); err != nil {
		return err
	}
	st.n++
	if st.n%flushEvery == 0 {
		st.w.Flush()
		if err := st.w.Error(); err != nil {
			return err
		}
		st.c.Response().Flush()
	}
	return nil
}

func (st *csvStream) finish() error {
	st.w.Flush()
	st.c.Response().Flush()
	return st.w.Error()
}

func exportFilterInput(c echo.Context) models.ExportFilterInput {
	return models.ExportFilterInput{From: c.QueryParam("from"), To: c.QueryParam("to"), Office: c.QueryParam("office"),
		Direction: c.QueryParam("direction"), Nationality: c.QueryParam("nationality"), Sex: c.QueryParam("sex")}
}

// exportsPage shows the filters and the export buttons.
func (s *server) exportsPage(c echo.Context, p views.ExportsPage) (views.ExportsPage, error) {
	ctx := c.Request().Context()
	offices, err := s.stores.Offices.List(ctx)
	if err != nil {
		return p, err
	}
	actions := make([]string, 0, len(models.ExportKinds)+2)
	for _, k := range models.ExportKinds {
		actions = append(actions, "export."+k)
	}
	actions = append(actions, "export.summary", "export.audit")
	p.Offices = offices
	p.Recent, err = s.stores.Audit.Recent(ctx, 10, actions...)
	return p, err
}

func (s *server) showExports(c echo.Context) error {
	p, err := s.exportsPage(c, views.ExportsPage{Filter: exportFilterInput(c), Pseudo: c.QueryParam("pseudonymise") == "1"})
	if err != nil {
		return err
	}
	return s.ok(c, views.AdminExports(p))
}

// exportCSV streams one export; invalid filters show the export page again with 422.
func (s *server) exportCSV(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		in := exportFilterInput(c)
		pseudo := c.QueryParam("pseudonymise") == "1"
		f, fe := in.Validate()
		if len(fe) > 0 {
			p, err := s.exportsPage(c, views.ExportsPage{Filter: in, Pseudo: pseudo, Errors: fe})
			if err != nil {
				return err
			}
			return s.invalid(c, views.AdminExports(p))
		}
		name := kind
		if pseudo {
			name += "-pseudonymised"
		}
		st := s.startCSV(c, name, models.ExportColumns[kind])
		if _, err := s.stores.Exports.Run(c.Request().Context(), actor(c), kind, f, pseudo, st.row); err != nil {
			// The header is sent: the error can only be logged; the file ends short.
			return err
		}
		return st.finish()
	}
}
