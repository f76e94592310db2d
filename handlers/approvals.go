package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

// showApprovals is the supervisor's queue, one page at a time: support to approve and
// the oldest overdue referrals, of every office in scope or of the one chosen.
func (s *server) showApprovals(c echo.Context) error {
	ctx, u := c.Request().Context(), currentUser(c)
	vm, f, err := s.approvalsFilter(c)
	if err != nil {
		return err
	}
	queue, err := s.stores.Support.AwaitingApproval(ctx, u.Scope(), f)
	if err != nil {
		return err
	}
	overdue, err := s.stores.Referrals.Overdue(ctx, u.Scope(), s.stores.Now(), models.QueueFilter{OfficeCode: f.OfficeCode, PerPage: models.OverdueShown})
	if err != nil {
		return err
	}
	vm.Total, vm.PerPage, vm.State.Page = queue.Total, queue.PerPage, queue.Page
	vm.Overdue, vm.OverdueTotal, vm.Today = overdue.Items, overdue.Total, s.caseworkToday()
	vm.MissingReceipts, vm.MissingReceiptsTotal, err = s.stores.Documents.DeliveredWithoutReceipt(ctx, u.Scope(), models.QueueFilter{OfficeCode: f.OfficeCode})
	if err != nil {
		return err
	}
	// Nothing is ticked on arrival: a supervisor chooses each approval, or asks for
	// the whole page (select=all, the way without JavaScript).
	vm.SelectAll = c.QueryParam("select") == "all"
	for _, q := range queue.Items {
		row := views.ApprovalRow{SupportQueueItem: q, Own: q.PlannedByID == u.ID}
		row.Checked = vm.SelectAll && !row.Own
		if row.Checked {
			vm.Selected++
			vm.SelectedTotals = addAmount(vm.SelectedTotals, q.Currency, q.Amount)
		}
		vm.Support = append(vm.Support, row)
	}
	return s.ok(c, views.ApprovalsPage(vm))
}

// addAmount adds minor units to their currency's total, keeping the totals in
// currency order and never adding across currencies.
func addAmount(totals []models.Amount, currency string, minor int64) []models.Amount {
	i, found := slices.BinarySearchFunc(totals, currency, func(a models.Amount, c string) int { return strings.Compare(a.Currency, c) })
	if found {
		totals[i].Minor += minor
		return totals
	}
	return slices.Insert(totals, i, models.Amount{Currency: currency, Minor: minor})
}

// approvalsFilter reads the queue's page and office. The office must be one of the
// user's (the store applies the scope anyway): another or an unknown code is ignored,
// with a message. Supervisors of every office get the offices to choose from.
func (s *server) approvalsFilter(c echo.Context) (views.ApprovalsVM, models.QueueFilter, error) {
	scope := currentUser(c).Scope()
	page, _ := strconv.Atoi(c.QueryParam("page"))
	f := models.QueueFilter{Page: page, PerPage: models.ApprovalsPerPage}
	var vm views.ApprovalsVM
	code := strings.ToUpper(strings.TrimSpace(c.QueryParam("office")))
	if code == "" && !scope.AllOffices() {
		return vm, f, nil
	}
	offices, err := s.scopedOffices(c, scope)
	if err != nil {
		return vm, f, err
	}
	if scope.AllOffices() {
		vm.Offices = offices
	}
	if code != "" {
		if slices.ContainsFunc(offices, func(o models.Office) bool { return o.Code == code }) {
			f.OfficeCode = code
		} else {
			vm.UnknownOffice = true
		}
	}
	vm.State.Office = f.OfficeCode
	return vm, f, nil
}

// approvalsState is the queue page that a form of the approvals page returns to: its
// office and page fields, kept only when they have the shape of an office code and a
// page number. Its path is built by views.ApprovalsPath, so a redirect to it stays on
// the portal whatever was posted.
func approvalsState(c echo.Context) views.ApprovalsState {
	office := strings.ToUpper(strings.TrimSpace(c.FormValue("office")))
	if !models.IsOfficeCode(office) {
		office = ""
	}
	page, err := strconv.Atoi(c.FormValue("page"))
	if err != nil || page < 1 {
		page = 1
	}
	return views.ApprovalsState{Office: office, Page: page}
}

// approveSelected approves every support ticked in the queue at once, all or nothing,
// and returns to the same page of the queue.
func (s *server) approveSelected(c echo.Context) error {
	form, _ := c.FormParams()
	var ids []uint
	for _, v := range form["support_id"] {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest)
		}
		ids = append(ids, uint(n))
	}
	back := approvalsState(c).Path()
	if len(ids) == 0 {
		s.flash(c, "error", "casework.error.none_selected")
		return redirect(c, back)
	}
	n, err := s.stores.Support.ApproveMany(c.Request().Context(), actor(c), currentUser(c).Scope(), ids)
	switch {
	case errors.Is(err, models.ErrNotFound):
		s.flash(c, "error", "casework.error.batch_not_found")
	case supportErrorKey(err) != "":
		s.flash(c, "error", supportErrorKey(err))
	case err != nil:
		return err
	default:
		// Flash arguments travel through JSON, where a number would come back as a
		// float64 that go-i18n cannot pluralise; a decimal string works.
		s.flash(c, "success", "casework.flash.approved_many", "Count", strconv.Itoa(n))
	}
	return redirect(c, back)
}
