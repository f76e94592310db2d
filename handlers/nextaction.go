package handlers

import (
	"slices"
	"strconv"

	"awda/models"
	"awda/views"
)

// nextAction is the one main thing a user of this role would do next on a case: the
// forward move of the workflow graph (models.Transitions) that the role may make,
// except where the case's casework says something comes first: counselling before
// marking a case counselled, and after the return the support, from planning to
// delivery, then monitoring. A stage where the role can only wait says so.
func nextAction(cs *models.Case, file *models.CaseFile, u *models.User) views.NextAction {
	role := u.Role
	if role != models.RoleCaseworker && role != models.RoleSupervisor {
		return views.NextAction{}
	}
	step := func(to string) views.NextAction {
		return views.NextAction{ID: "move-" + to, Key: "cases.move_to." + to, Href: views.CaseFileLink(cs.ID, "step-"+to, "step-"+to)}
	}
	steps := models.StepsFor(cs, role)
	var forward string
	for _, to := range steps {
		if to != string(models.StatusClosed) {
			forward = to
			break
		}
	}
	switch cs.Status {
	case models.StatusRegistered:
		if !slices.ContainsFunc(file.Activities, func(a models.Activity) bool { return a.Kind == "counselling" }) {
			return views.NextAction{ID: "record-counselling", Key: "caseui.next.record_counselling",
				Href: views.CaseFileLink(cs.ID, "counselling", "activity-record")}
		}
	case models.StatusReturned, models.StatusReintegration:
		if a, ok := supportAction(cs, file.Support, u); ok {
			return a
		}
		if cs.Status == models.StatusReintegration {
			return views.NextAction{ID: "record-monitoring", Key: "caseui.next.record_monitoring",
				Href: views.CaseFileLink(cs.ID, "monitoring", "activity-record")}
		}
	}
	if forward == "" {
		if cs.Status == models.StatusClosed {
			return views.NextAction{}
		}
		return views.NextAction{ID: "wait-" + string(cs.Status), Key: "caseui.next.wait_" + string(cs.Status), Wait: true}
	}
	return step(forward)
}

// supportAction is the next step of a returned person's support: plan it when there is
// none, record the delivery of approved support, approve support someone else planned
// (four eyes) or wait for that approval. Nothing when all of it is delivered or cancelled.
func supportAction(cs *models.Case, support []models.Support, u *models.User) (views.NextAction, bool) {
	var approved, toApprove, waiting *models.Support
	live := 0
	for i := range support {
		sp := &support[i]
		switch {
		case sp.Status == models.SupportApproved && approved == nil:
			approved = sp
		case sp.Status == models.SupportPlanned && u.Role == models.RoleSupervisor && sp.PlannedByID != u.ID && toApprove == nil:
			toApprove = sp
		case sp.Status == models.SupportPlanned && waiting == nil:
			waiting = sp
		}
		if sp.Status != models.SupportCancelled {
			live++
		}
	}
	anchor := func(sp *models.Support) string {
		return views.CaseFileLink(cs.ID, "", "support-"+strconv.FormatUint(uint64(sp.ID), 10))
	}
	switch {
	case approved != nil:
		return views.NextAction{ID: "deliver-support", Key: "caseui.next.deliver_support", Href: anchor(approved)}, true
	case toApprove != nil:
		return views.NextAction{ID: "approve-support", Key: "caseui.next.approve_support", Href: anchor(toApprove)}, true
	case waiting != nil:
		return views.NextAction{ID: "wait-support", Key: "caseui.next.wait_support", Wait: true}, true
	case live == 0:
		return views.NextAction{ID: "plan-support", Key: "casework.support.plan", Href: views.CaseFileLink(cs.ID, "support", "support-plan")}, true
	}
	return views.NextAction{}, false
}
