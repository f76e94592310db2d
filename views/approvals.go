package views

import (
	"context"

	"awda/models"
)

// ApprovalRow is one line of the approvals queue.
type ApprovalRow struct {
	models.SupportQueueItem
	// Own is support the supervisor planned: four eyes, no checkbox.
	Own bool
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
}

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
