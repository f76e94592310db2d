package models

import "errors"

// Sentinel errors; handlers map them to responses with errors.Is, never by their text.
var (
	// ErrNotFound is a record that does not exist or is outside the user's scope.
	ErrNotFound = errors.New("not found")
	// ErrConflict is an edit that started from a version someone else has since changed.
	ErrConflict = errors.New("edited by someone else meanwhile")
	// ErrForbidden is an action the user's role or relation to the record does not allow.
	ErrForbidden = errors.New("not allowed")
	// ErrThrottled is a sign-in refused because of too many recent failures.
	ErrThrottled = errors.New("too many attempts")
	// ErrBadCredentials is a sign-in with an unknown email or a wrong password.
	ErrBadCredentials = errors.New("wrong email or password")
	// ErrBusy is work refused because the server is at capacity (too many password
	// hashes at once): the answer is "busy, try again in a moment", not a failure.
	ErrBusy = errors.New("busy, try again in a moment")
	// ErrMisconfigured is a database whose settings are not the ones the portal needs.
	ErrMisconfigured = errors.New("database misconfigured")
)

// FieldErrors maps a form field name to a translation key for the message shown beside it.
type FieldErrors map[string]string

// Add records the first error for a field.
func (fe FieldErrors) Add(field, key string) {
	if _, ok := fe[field]; !ok {
		fe[field] = key
	}
}

// Err returns the errors as an error value, or nil when there are none.
func (fe FieldErrors) Err() error {
	if len(fe) == 0 {
		return nil
	}
	return &ValidationError{Fields: fe}
}

// ValidationError carries the field errors of a form that failed validation.
type ValidationError struct{ Fields FieldErrors }

func (e *ValidationError) Error() string { return "invalid input" }

// AsValidation extracts field errors from an error, if it carries any.
func AsValidation(err error) (FieldErrors, bool) {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve.Fields, true
	}
	return nil, false
}

// ErrUnavailable is a database that does not answer.
var ErrUnavailable = errors.New("database unavailable")
