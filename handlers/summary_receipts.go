package handlers

import (
	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

// addReceiptSummary puts the receipts figures on a computed summary, for summary.csv.
func (s *server) addReceiptSummary(c echo.Context, sum *models.Summary) error {
	r, err := s.stores.Summary.ReceiptCoverage(c.Request().Context(), currentUser(c).Scope(), sum.Filter)
	if err != nil {
		return err
	}
	sum.Receipts = r
	return nil
}

// showSummaryReceipts is the share of the period's delivered support that a receipt
// proves, under the summary's filters. It has a page of its own: it reads the period's
// support records and their documents, which the summary, answered from prepared
// tallies, never does.
func (s *server) showSummaryReceipts(c echo.Context) error {
	v, err := s.summaryView(c)
	if err != nil {
		return err
	}
	v.Action = views.PathSummaryReceipts
	const title = "documents.summary.title"
	if len(v.Errors) > 0 {
		return s.invalid(c, views.SummarySubPage(v, title, nil))
	}
	r, err := s.stores.Summary.ReceiptCoverage(c.Request().Context(), currentUser(c).Scope(), v.Filter)
	if err != nil {
		return err
	}
	return s.ok(c, views.SummarySubPage(v, title, views.ReceiptsSummarySection(v.Filter, r)))
}

// summaryReceiptSupports lists the support records behind one receipts figure.
func (s *server) summaryReceiptSupports(c echo.Context) error {
	d, err := s.summaryGroupDrill(c, views.PathSummaryReceiptSupports)
	if err != nil {
		return err
	}
	supports, total, err := s.stores.Summary.ReceiptSupports(c.Request().Context(), d.scope, d.f, d.group, d.page, summaryPerPage)
	if err != nil {
		return err
	}
	return s.ok(c, views.ReceiptSupportsPage(views.ReceiptSupportsView{Filter: d.f, Group: d.group, Supports: supports, Pager: d.pager(total)}))
}
