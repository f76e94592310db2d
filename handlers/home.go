package handlers

import (
	"github.com/labstack/echo/v4"

	"awda/views"
)

// home shows the role's starting page: what needs doing, each line a link.
func (s *server) home(c echo.Context) error {
	sections, err := s.homeSections(c)
	if err != nil {
		return err
	}
	return s.ok(c, views.Home(sections))
}

// homeSections gathers the blocks of the signed-in user's home page. Each feature adds
// its block here (cases, approvals, exports), computed by grouped queries in models.
func (s *server) homeSections(c echo.Context) ([]views.HomeSection, error) {
	var out []views.HomeSection
	for _, add := range []func(echo.Context) ([]views.HomeSection, error){
		s.caseHomeSections,
		s.caseworkHome,
		s.summaryHome,
		s.adminHome,
	} {
		sec, err := add(c)
		if err != nil {
			return nil, err
		}
		out = append(out, sec...)
	}
	return out, nil
}
