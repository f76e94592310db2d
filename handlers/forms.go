package handlers

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"awda/models"
)

// checkFormText is where every form is read before its handler: each value must be
// UTF-8 text, or the portal would store bytes that make cases.csv unreadable and the
// portal's own import refuse it. A free-text field (one of models.TextLimits) goes on to
// its handler, whose validation shows "unreadable characters" beside the field with a
// 422 and keeps the rest of the form; any other field (a choice, an id, a hidden value)
// is never typed, so bytes that are not UTF-8 there are no user's mistake: 400.
func (s *server) checkFormText(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method != http.MethodPost || !isForm(r) {
			return next(c)
		}
		form, err := c.FormParams()
		if err != nil {
			// The handler meets the same error and answers it (a body too large…).
			return next(c)
		}
		for name, values := range form {
			if !utf8.ValidString(name) {
				return echo.NewHTTPError(http.StatusBadRequest)
			}
			for _, v := range values {
				if !utf8.ValidString(v) && models.TextLimit(name) == 0 {
					return echo.NewHTTPError(http.StatusBadRequest)
				}
			}
		}
		return next(c)
	}
}

func isForm(r *http.Request) bool {
	ct := r.Header.Get(echo.HeaderContentType)
	return strings.HasPrefix(ct, echo.MIMEApplicationForm) || strings.HasPrefix(ct, echo.MIMEMultipartForm)
}
