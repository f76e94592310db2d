package handlers

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"awda/views"
)

// showRecord prints everything held about the person of a case (supervisors), in the
// language asked for with ?lang= (the person's), else the supervisor's. Audited.
func (s *server) showRecord(c echo.Context) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	rec, err := s.stores.Retention.SubjectAccess(c.Request().Context(), actor(c), s.stores.Cases, id, "html")
	if err != nil {
		return err
	}
	if l := c.QueryParam("lang"); slices.Contains(views.Languages, l) {
		getState(c).lang = l
	}
	return s.ok(c, views.RecordPageView(views.RecordPage{CaseID: id, Rec: rec, Lang: getState(c).lang}))
}

// recordJSON is the same record as a JSON file to hand to the person (supervisors).
// Audited.
func (s *server) recordJSON(c echo.Context) error {
	id, err := caseID(c)
	if err != nil {
		return err
	}
	rec, err := s.stores.Retention.SubjectAccess(c.Request().Context(), actor(c), s.stores.Cases, id, "json")
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+rec.Case.CaseNumber+`.json"`)
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSONCharsetUTF8, b)
}
