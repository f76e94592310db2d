package handlers

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"awda/models"
	"awda/views"
)

const auditPerPage = 50

// errAuditOfficeBound refuses the audit log to a user bound to one office: it is the
// whole portal's, and its events carry no office to scope them by. Only an account made
// before administrators lost their office can meet it.
var errAuditOfficeBound = models.ErrForbidden

// auditFilter reads the audit page's filters; the period's end day is included.
func auditFilter(c echo.Context) (views.AuditFilterForm, models.AuditFilter, models.FieldErrors) {
	form := views.AuditFilterForm{User: c.QueryParam("user"), Action: c.QueryParam("action"),
		RecordType: strings.TrimSpace(c.QueryParam("record_type")), RecordID: strings.TrimSpace(c.QueryParam("record_id")),
		From: c.QueryParam("from"), To: c.QueryParam("to")}
	f := models.AuditFilter{Action: form.Action, RecordType: form.RecordType, RecordID: form.RecordID, PerPage: auditPerPage}
	fe := models.FieldErrors{}
	if id, err := strconv.ParseUint(form.User, 10, 64); err == nil {
		uid := uint(id)
		f.UserID = &uid
	}
	if form.From != "" {
		if d, err := models.ParseDate(form.From); err == nil {
			f.From = d.Time()
		} else {
			fe.Add("from", "admin.error.date_invalid")
		}
	}
	if form.To != "" {
		if d, err := models.ParseDate(form.To); err == nil {
			f.To = d.AddDays(1).Time()
		} else {
			fe.Add("to", "admin.error.date_invalid")
		}
	}
	f.Page, _ = strconv.Atoi(c.QueryParam("page"))
	f.Page = max(f.Page, 1)
	return form, f, fe
}

func auditQuery(form views.AuditFilterForm) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"user": form.User, "action": form.Action, "record_type": form.RecordType,
		"record_id": form.RecordID, "from": form.From, "to": form.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// showAudit lists audit events newest first, filtered and paginated.
func (s *server) showAudit(c echo.Context) error {
	ctx := c.Request().Context()
	if !currentUser(c).Scope().AllOffices() {
		return errAuditOfficeBound
	}
	form, f, fe := auditFilter(c)
	p := views.AuditPage{Filter: form, Errors: fe, CSV: views.WithQuery(views.PathAdminAuditCSV, auditQuery(form))}
	var err error
	if p.Users, err = s.stores.Users.AdminList(ctx, models.Scope{}); err != nil {
		return err
	}
	if p.Actions, err = s.stores.Audit.Actions(ctx); err != nil {
		return err
	}
	if len(fe) > 0 {
		return s.invalid(c, views.AdminAudit(p))
	}
	list, err := s.stores.Audit.List(ctx, f)
	if err != nil {
		return err
	}
	p.Events = list.Events
	q := auditQuery(form)
	p.Pager = views.Pager{Page: f.Page, PerPage: auditPerPage, Total: list.Total, More: list.More, Link: func(page int) string {
		q.Set("page", strconv.Itoa(page))
		return views.WithQuery(views.PathAdminAudit, q)
	}}
	return s.ok(c, views.AdminAudit(p))
}

// auditCSV streams the audit events of the same filters, newest first.
func (s *server) auditCSV(c echo.Context) error {
	if !currentUser(c).Scope().AllOffices() {
		return errAuditOfficeBound
	}
	form, f, fe := auditFilter(c)
	if len(fe) > 0 {
		return s.showAudit(c)
	}
	details := []string{}
	for _, k := range []string{"user", "action", "record_type", "record_id", "from", "to"} {
		if v := auditQuery(form).Get(k); v != "" {
			details = append(details, k+"="+v)
		}
	}
	st := s.startCSV(c, "audit", models.AuditColumns)
	if _, err := s.stores.Audit.Stream(c.Request().Context(), actor(c), f, strings.Join(details, " "), st.row); err != nil {
		return err
	}
	return st.finish()
}
