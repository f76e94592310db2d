package handlers

import (
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
	d, err := s.summaryGroupDrill(c, views.PathSummaryReceipts)
	if err != nil {
		return err
	}
	supports, total, err := s.stores.Summary.ReceiptSupports(c.Request().Context(), d.scope, d.f, d.group, d.page, summaryPerPage)
	if err != nil {
		return err
	}
	return s.ok(c, views.ReceiptSupportsPage(views.ReceiptSupportsView{Filter: d.f, Group: d.group, Supports: supports, Pager: d.pager(total)}))
}
