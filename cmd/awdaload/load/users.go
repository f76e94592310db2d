package load

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"awda/models"
)

// UserPassword is the password of every account EnsureUsers makes.
const UserPassword = "quiet harbour lantern 2021"

// EnsureUsers makes n accounts for the load in office LOD (every fifth a supervisor),
// reusing the ones a previous run made.
func EnsureUsers(ctx context.Context, stores *models.Stores, n int) ([]User, error) {
	if _, err := stores.Offices.ByCode(ctx, "LOD"); err != nil {
		if !errors.Is(err, models.ErrNotFound) {
			return nil, err
		}
		if _, err := stores.Offices.Create(ctx, models.Actor{IP: "load"},
			models.OfficeInput{Code: "LOD", Name: "Load office", City: "Rabat"}); err != nil {
			return nil, fmt.Errorf("create the load office: %w", err)
		}
	}
	var users []User
	for i := range n {
		role := models.RoleCaseworker
		if i%5 == 4 {
			role = models.RoleSupervisor
		}
		u := User{Email: fmt.Sprintf("load%03d@load.test", i), Password: UserPassword, Role: string(role)}
		_, _, err := stores.Users.Create(ctx, models.Actor{IP: "load"}, models.UserInput{
			Email: u.Email, Name: fmt.Sprintf("Load user %d", i), Role: role, OfficeCode: "LOD", Password: UserPassword})
		if fe, ok := models.AsValidation(err); ok && fe["email"] == "error.email_taken" {
			err = nil
		}
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", u.Email, err)
		}
		users = append(users, u)
	}
	return users, nil
}

// EnsureCases registers cases in office LOD, by its first load user, until it holds n,
// so that searches and case files have something to find from the first second.
func EnsureCases(ctx context.Context, stores *models.Stores, n int) error {
	office, err := stores.Offices.ByCode(ctx, "LOD")
	if err != nil {
		return err
	}
	var have int64
	if err := stores.DB.Read.WithContext(ctx).Model(&models.Case{}).Where("office_id = ?", office.ID).Count(&have).Error; err != nil {
		return err
	}
	var u models.User
	if err := stores.DB.Read.WithContext(ctx).Where("email = ?", "load000@load.test").First(&u).Error; err != nil {
		return fmt.Errorf("the first load user: %w", err)
	}
	s := &Session{User: &User{Email: u.Email}, Rand: rand.New(rand.NewPCG(uint64(have), 99))}
	for i := int(have); i < n; i++ {
		f := CaseForm(s, fmt.Sprintf("SEED%06d", i))
		in := models.CaseInput{Direction: f.Get("direction"), FamilyName: f.Get("family_name"), GivenName: f.Get("given_name"),
			Sex: f.Get("sex"), BirthDate: f.Get("birth_date"), Nationality: f.Get("nationality"), ReturnCountry: f.Get("return_country"),
			Phone: f.Get("phone"), IDDocType: f.Get("id_doc_type"), IDDocNumber: f.Get("id_doc_number"),
			ConsentDate: f.Get("consent_date"), RequestDate: f.Get("request_date"), RequestReason: f.Get("request_reason"),
			OfficeID: office.ID, ConfirmDifferent: true}
		if i%2 == 0 {
			in.AssignedToID = u.ID
		}
		if _, err := stores.Cases.Create(ctx, models.Actor{User: &u, IP: "load"}, u.Scope(), in); err != nil {
			return fmt.Errorf("seed case %d: %w", i, err)
		}
	}
	return nil
}
