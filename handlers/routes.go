package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/static"
	"awda/views"
)

// routes is the whole URL surface of the portal, each route with who may use it.
func (s *server) routes() {
	const get, post = http.MethodGet, http.MethodPost

	// Files and probes.
	s.handle(get, static.Prefix+"*", echo.WrapHandler(s.assets), anyone)
	s.handle(get, views.PathHealth, s.health, anyone)

	// Signing in and out, and the user's own account.
	s.handle(get, views.PathLogin, s.showLogin, anyone)
	s.handle(post, views.PathLogin, s.login, anyone)
	s.handle(post, views.PathLogout, s.logout, signedIn)
	s.handle(get, views.PathAccount, s.showAccount, signedIn)
	s.handle(post, views.PathPassword, s.changePassword, signedIn)
	s.handle(post, views.PathLanguage, s.setLanguage, signedIn)
	s.handle(get, views.PathLoginTOTP, s.showLoginTOTP, signedIn)
	s.handle(post, views.PathLoginTOTP, s.loginTOTP, signedIn)
	s.handle(get, views.PathTOTP, s.showTOTP, signedIn)
	s.handle(post, views.PathTOTP, s.postTOTP, signedIn)

	s.handle(get, views.PathHome, s.home, signedIn)

	// Cases.
	s.handle(get, views.PathCases, s.listCases, signedIn)
	s.handle(get, views.PathNewCase, s.newCase, casework)
	s.handle(post, views.PathCases, s.createCase, casework)
	s.handle(post, views.PathReassign, s.reassignCases, supervisors)
	s.handle(get, "/cases/:id", s.showCase, signedIn)
	s.handle(get, "/cases/:id/edit", s.editCase, casework)
	s.handle(post, "/cases/:id", s.updateCase, casework)
	s.handle(post, "/cases/:id/status", s.moveCase, casework)

	// Support, sessions, activities, referrals and approvals.
	s.handle(post, "/cases/:id/support", s.createSupport, casework)
	s.handle(post, "/cases/:id/support/:sid/approve", s.moveSupport("approve"), supervisors)
	s.handle(post, "/cases/:id/support/:sid/send-back", s.moveSupport("send-back"), supervisors)
	s.handle(post, "/cases/:id/support/:sid/deliver", s.moveSupport("deliver"), casework)
	s.handle(post, "/cases/:id/support/:sid/cancel", s.moveSupport("cancel"), casework)
	s.handle(post, "/cases/:id/activities", s.createActivity, casework)
	s.handle(post, "/cases/:id/referrals", s.createReferral, casework)
	s.handle(post, "/cases/:id/referrals/:rid", s.followUpReferral, casework)
	s.handle(get, "/cases/:id/visits/new", s.newVisit, casework)
	s.handle(post, "/cases/:id/visits", s.createVisit, casework)
	s.handle(get, "/cases/:id/visits/:vid/edit", s.editVisit, casework)
	s.handle(post, "/cases/:id/visits/:vid", s.updateVisit, casework)
	s.handle(post, "/cases/:id/close-completed", s.closeCompleted, supervisors)
	s.handle(post, documentsRoute, s.createDocument, casework)
	s.handle(get, documentRoute, s.showDocument(false), signedIn)
	s.handle(get, documentThumbRoute, s.showDocument(true), signedIn)
	s.handle(get, documentRoute+"/withdraw", s.showWithdrawDocument, casework)
	s.handle(post, documentRoute+"/withdraw", s.withdrawDocument, casework)
	s.handle(get, views.PathSessions, s.listSessions, casework)
	s.handle(get, views.PathNewSession, s.newSession, casework)
	s.handle(post, views.PathSessions, s.createSession, casework)
	s.handle(get, "/sessions/:id", s.showSession, casework)
	s.handle(post, "/sessions/:id/attendance", s.changeAttendance, casework)
	s.handle(get, views.PathApprovals, s.showApprovals, supervisors)
	s.handle(post, views.PathApprovals, s.approveSelected, supervisors)

	// Summary.
	s.handle(get, views.PathSummary, s.reports.wrap(s.showSummary), summaryReaders)
	s.handle(get, views.PathSummaryCases, s.reports.wrap(s.summaryCases), summaryReaders)
	s.handle(get, views.PathSummaryCSV, s.reports.wrap(s.summaryCSV), summaryReaders)
	s.handle(get, views.PathSummaryReintegration, s.reports.wrap(s.showSummaryReintegration), summaryReaders)
	s.handle(get, views.PathSummaryMonitoring, s.reports.wrap(s.summaryMonitoringCases), summaryReaders)
	s.handle(get, views.PathSummaryReceipts, s.reports.wrap(s.showSummaryReceipts), summaryReaders)
	s.handle(get, views.PathSummaryReceiptSupports, s.reports.wrap(s.summaryReceiptSupports), summaryReaders)

	// Administration.
	s.handle(get, views.PathAdminUsers, s.showUsers, admins)
	s.handle(post, views.PathAdminUsers, s.createUser, admins)
	s.handle(post, views.PathAdminUsers+"/:id", s.userAction, admins)
	s.handle(get, views.PathAdminOffices, s.showOffices, admins)
	s.handle(post, views.PathAdminOffices, s.createOffice, admins)
	s.handle(post, views.PathAdminOffices+"/:id", s.officeAction, admins)
	s.handle(get, views.PathAdminExports, s.showExports, admins)
	for _, kind := range models.ExportKinds {
		s.handle(get, views.ExportPath(kind+".csv", nil), s.exportCSV(kind), admins)
	}
	s.handle(get, views.ExportPath("summary.csv", nil), s.reports.wrap(s.summaryCSV), admins)
	s.handle(get, views.ExportPath("monitoring.csv", nil), s.monitoringCSV, admins)
	s.handle(get, views.PathAdminImports, s.showImports, admins)
	s.handle(post, views.PathAdminImports, s.postImport, admins)
	s.handle(get, views.PathAdminAudit, s.showAudit, admins)
	s.handle(get, views.PathAdminInstruments, s.showInstruments, admins)
	s.handle(post, views.PathAdminInstruments, s.publishInstrument, admins)
	s.handle(post, views.PathAdminVisitImport, s.importVisits, admins)
	s.handle(get, views.PathAdminAuditCSV, s.auditCSV, admins)

	// Retention: legal holds, erasure requests, the person's record, the policy.
	s.handle(post, "/cases/:id/hold", s.holdCase, supervisors)
	s.handle(post, "/cases/:id/hold/release", s.releaseCase, supervisors)
	s.handle(post, "/cases/:id/erasure", s.requestErasure, supervisors)
	s.handle(post, "/cases/:id/erasure/approve", s.approveErasure, supervisors)
	s.handle(get, "/cases/:id/record", s.showRecord, supervisors)
	s.handle(get, "/cases/:id/record.json", s.recordJSON, supervisors)
	s.handle(get, views.PathAdminRetention, s.showRetention, admins)
	s.handle(post, views.PathAdminRetention, s.postRetention, admins)
	s.handle(post, views.PathAdminRetentionPolicy, s.setRetentionPolicy, admins)
}
