package handlers

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image/png"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/pquerna/otp"

	"awda/models"
	"awda/views"
)

// qrDataURL draws the otpauth address as a PNG QR code on the server, inline as a data:
// URL (the content security policy allows data: images and nothing from elsewhere).
func qrDataURL(secret, email string) (string, error) {
	key, err := otp.NewKeyFromURL(models.TOTPURL(secret, email))
	if err != nil {
		return "", err
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// totpPage prepares the enrolment page: a secret and its QR code when two-step sign-in
// is off, the count of recovery codes left when it is on.
func (s *server) totpPage(c echo.Context, p views.TOTPPage) (views.TOTPPage, error) {
	ctx := c.Request().Context()
	u, err := s.stores.Users.Get(ctx, currentUser(c).ID)
	if err != nil {
		return p, err
	}
	p.Enabled, p.Required = u.TOTPEnabled, u.Is(models.RoleAdmin)
	if u.TOTPEnabled {
		p.CodesLeft, err = s.stores.Users.RecoveryCodesLeft(ctx, u.ID)
		return p, err
	}
	if p.Secret, err = s.stores.Users.BeginTOTP(ctx, u.ID); err != nil {
		return p, err
	}
	p.QR, err = qrDataURL(p.Secret, u.Email)
	return p, err
}

// showTOTP shows enrolment, or the way to turn two-step sign-in off.
func (s *server) showTOTP(c echo.Context) error {
	p, err := s.totpPage(c, views.TOTPPage{})
	if err != nil {
		return err
	}
	return s.ok(c, views.TOTP(p))
}

// postTOTP confirms enrolment with a first code (action=enable) and shows the recovery
// codes once, or turns two-step sign-in off with the password (action=disable).
func (s *server) postTOTP(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	var err error
	var codes []string
	switch c.FormValue("action") {
	case "enable":
		codes, err = s.stores.Users.EnableTOTP(ctx, actor(c), u.ID, c.FormValue("code"))
	case "disable":
		err = s.stores.Users.DisableTOTP(ctx, actor(c), u, c.FormValue("password"))
		if errors.Is(err, models.ErrThrottled) {
			p, err := s.totpPage(c, views.TOTPPage{Errors: map[string]string{"password": "security.current_throttled"}})
			if err != nil {
				return err
			}
			return s.render(c, http.StatusTooManyRequests, views.TOTP(p))
		}
	default:
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	if fe, ok := models.AsValidation(err); ok {
		p, err := s.totpPage(c, views.TOTPPage{Errors: fe})
		if err != nil {
			return err
		}
		return s.invalid(c, views.TOTP(p))
	}
	if err != nil {
		return err
	}
	if codes != nil {
		u.TOTPEnabled = true
		return s.ok(c, views.TOTP(views.TOTPPage{Enabled: true, RecoveryCodes: codes}))
	}
	s.flash(c, "success", "totp.disabled")
	return redirect(c, views.PathAccount)
}

// mfaPending is true for a browser that gave the password but not yet the second factor.
func mfaPending(c echo.Context) bool {
	st := getState(c)
	return st.session != nil && st.session.MFAPending
}

// showLoginTOTP asks for the second factor.
func (s *server) showLoginTOTP(c echo.Context) error {
	if !mfaPending(c) {
		return redirect(c, views.PathHome)
	}
	return s.ok(c, views.LoginTOTP(views.LoginTOTPForm{Next: localPath(c.QueryParam("next"))}))
}

// loginTOTP checks the code; on success the browser gets a fresh, fully signed-in session.
func (s *server) loginTOTP(c echo.Context) error {
	if !mfaPending(c) {
		return redirect(c, views.PathHome)
	}
	u := currentUser(c)
	form := views.LoginTOTPForm{Next: localPath(c.FormValue("next")), Carried: carriedFrom(c)}
	err := s.stores.Users.VerifySecondFactor(c.Request().Context(), u.ID, getState(c).session.ID, c.FormValue("code"), c.RealIP())
	switch {
	case errors.Is(err, models.ErrThrottled):
		form.Error = "login.throttled"
		return s.render(c, http.StatusTooManyRequests, views.LoginTOTP(form))
	case errors.Is(err, models.ErrBadCredentials):
		form.Error = "totp.login_failed"
		return s.render(c, http.StatusUnauthorized, views.LoginTOTP(form))
	case err != nil:
		return err
	}
	if err := s.startSession(c, u, false); err != nil {
		return err
	}
	return s.afterSignIn(c, u, form.Next, form.Carried)
}
