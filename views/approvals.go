package views

import (
	"context"
	"strings"

	"golang.org/x/text/message"

	"awda/models"
)

// ApprovalRow is one line of the approvals queue.
type ApprovalRow struct {
	models.SupportQueueItem
	// Own is support the supervisor planned: four eyes, no checkbox, no approve button.
	Own bool
	// Checked draws the line ticked: only when the supervisor asked for the whole page
	// (SelectAll), never on arrival, so that every approval is a choice.
	Checked bool
}

// ApprovalsState is where a supervisor is in the approvals queue: the office filter and
// the page. The page's links keep it, and its forms send it back (fields office and
// page) so that an approval or a send-back returns to the same place.
type ApprovalsState struct {
	Office string // an office code; empty for every office in scope
	Page   int
}

// Path is the queue at this office and page.
func (st ApprovalsState) Path() string { return ApprovalsPath(st.Office, st.Page) }

// ApprovalsVM is the supervisor's queue, one page of it.
type ApprovalsVM struct {
	Support []ApprovalRow
	// Total is the size of the whole queue in the office filter, not of this page.
	Total   int64
	PerPage int
	State   ApprovalsState
	// Offices are the office filter's choices, for supervisors of every office.
	Offices []models.Office
	// UnknownOffice says the office asked for is not one of the user's: the filter
	// ignored it.
	UnknownOffice bool
	// Overdue are the oldest overdue referrals, OverdueTotal how many there are in all.
	Overdue      []models.OverdueReferral
	OverdueTotal int64
	Today        models.Date
	// SelectAll draws every line the supervisor may approve ticked: the way to select
	// the page without JavaScript (with it, the header's box does it in place).
	SelectAll bool
	// Selected and SelectedTotals are the ticked lines' count and amounts per currency,
	// as the approve bar first shows them (the script then follows the boxes).
	Selected       int
	SelectedTotals []models.Amount
	// MissingReceipts is delivered support without a receipt (the oldest), and
	// MissingReceiptsTotal how much there is in all.
	MissingReceipts      []models.ReceiptMissing
	MissingReceiptsTotal int64
}

// SelectAllPath is this page of the queue with every line ticked, or none when it is
// already so.
func (vm ApprovalsVM) SelectAllPath() string {
	path := vm.State.Path()
	if vm.SelectAll {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "select=all"
}

// approvalsSeparators are the grouping and decimal marks of the page's language, for
// the script that totals the ticked lines: its amounts then read exactly as the
// server's (Money).
func approvalsSeparators(ctx context.Context) (group, decimal string) {
	group = strings.Trim(Int(ctx, 1000), "0123456789")
	if group == "" {
		group = " "
	}
	decimal = decimalSeparator(message.NewPrinter(numberTag(Req(ctx).Lang)))
	return group, decimal
}

// approvalsPersonID ties a line's buttons to the person they decide for
// (aria-describedby), so a screen reader names who is approved.
func approvalsPersonID(id uint) string { return "person-" + cwIDString(id) }

// Pager links the queue's pages, keeping the office filter.
func (vm ApprovalsVM) Pager() Pager {
	return Pager{Page: vm.State.Page, PerPage: vm.PerPage, Total: vm.Total, Link: func(p int) string {
		return ApprovalsPath(vm.State.Office, p)
	}}
}

// Rows are the positions in the queue of the page's first and last lines (1-based).
func (vm ApprovalsVM) Rows() (first, last int64) {
	first = int64(max(vm.State.Page-1, 0)*vm.PerPage) + 1
	return first, first + int64(len(vm.Support)) - 1
}

// officeFilterOptions are the office filter's choices, every office first.
func officeFilterOptions(ctx context.Context, offices []models.Office) []Option {
	return append([]Option{{Value: "", Label: T(ctx, "casework.approvals.all_offices")}}, officeOptions(offices)...)
}
