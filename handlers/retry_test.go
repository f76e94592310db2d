package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/labstack/echo/v4"
)

// A request whose transaction PostgreSQL chose as a deadlock's victim runs again (the
// error wrapped as the stores wrap it); any other error, a streamed upload, and a fourth
// conflict in a row are not run again.
func TestRetryConflicts(t *testing.T) {
	deadlock := fmt.Errorf("plan support: %w", &pgconn.PgError{Code: "40P01", Message: "deadlock detected"})
	for _, tc := range []struct {
		name        string
		errs        []error
		contentType string
		wantCalls   int
		wantErr     bool
	}{
		{"deadlock then success", []error{deadlock, nil}, echo.MIMEApplicationForm, 2, false},
		{"serialization failure", []error{&pgconn.PgError{Code: "40001"}, nil}, echo.MIMEApplicationForm, 2, false},
		{"other error", []error{errors.New("boom"), nil}, echo.MIMEApplicationForm, 1, true},
		{"streamed upload", []error{deadlock, nil}, echo.MIMEMultipartForm + "; boundary=x", 1, true},
		{"conflicts every time", []error{deadlock, deadlock, deadlock, deadlock, nil}, echo.MIMEApplicationForm, 4, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			h := retryConflicts(func(echo.Context) error {
				calls++
				return tc.errs[calls-1]
			})
			req := httptest.NewRequest(http.MethodPost, "/cases/1/support", nil)
			req.Header.Set(echo.HeaderContentType, tc.contentType)
			err := h(echo.New().NewContext(req, httptest.NewRecorder()))
			if calls != tc.wantCalls || (err != nil) != tc.wantErr {
				t.Errorf("%d calls, error %v; want %d calls, error %v", calls, err, tc.wantCalls, tc.wantErr)
			}
		})
	}
}
