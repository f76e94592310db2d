package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

// addReceiptSummary puts the receipts figures on a computed summary (the page and
// summary.csv show them) and, for the page, their section.
func (s *server) addReceiptSummary(c echo.Context, sum *models.Summary, v *views.SummaryView) error {
	if sum == nil {
		return nil
	}
	r, err := s.stores.Summary.ReceiptCoverage(c.Request().Context(), currentUser(c).Scope(), sum.Filter)
	if err != nil {
		return err
	}
	sum.Receipts = r
	if v != nil {
		v.Sections = append(v.Sections, views.ReceiptsSummarySection(sum.Filter, r))
	}
	return nil
}

// summaryReceiptSupports lists the support records behind one receipts figure.
func (s *server) summaryReceiptSupports(c echo.Context) error {
	scope := currentUser(c).Scope()
	f, fe, err := s.summaryFilter(c, scope)
	if err != nil {
		return err
	}
	if len(fe) > 0 {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	group := c.QueryParam("group")
	page, _ := strconv.Atoi(c.QueryParam("page"))
	page = max(page, 1)
	supports, total, err := s.stores.Summary.ReceiptSupports(c.Request().Context(), scope, f, group, page, summaryPerPage)
	if err != nil {
		return err
	}
	link := func(p int) string {
		q := f.Query()
		q.Set("group", group)
		q.Set("page", strconv.Itoa(p))
		return views.WithQuery(views.PathSummaryReceipts, q)
	}
	return s.ok(c, views.ReceiptSupportsPage(views.ReceiptSupportsView{Filter: f, Group: group, Supports: supports,
		Pager: views.Pager{Page: page, PerPage: summaryPerPage, Total: total, Link: link}}))
}
