package load

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"awda/models"
)

// UserPassword is the password of every account EnsureUsers makes.
const UserPassword = "quiet harbour lantern 2021"

// LoadOffice is the code of the office the load's users work in.
const LoadOffice = "LOD"

// EnsureUsers makes n accounts for the load in office LoadOffice (every fifth a supervisor),
// reusing the ones a previous run made.
func EnsureUsers(ctx context.Context, stores *models.Stores, n int) ([]User, error) {
	if _, err := stores.Offices.ByCode(ctx, LoadOffice); err != nil {
		if !errors.Is(err, models.ErrNotFound) {
			return nil, err
		}
		if _, err := stores.Offices.Create(ctx, models.Actor{IP: "load"},
			models.OfficeInput{Code: LoadOffice, Name: "Load office", City: "Rabat"}); err != nil {
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
			Email: u.Email, Name: fmt.Sprintf("Load user %d", i), Role: role, OfficeCode: LoadOffice, Password: UserPassword})
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

// EnsureCases registers cases in office LoadOffice, by its first load user, until it holds n,
// so that searches and case files have something to find from the first second.
func EnsureCases(ctx context.Context, stores *models.Stores, n int) error {
	office, err := stores.Offices.ByCode(ctx, LoadOffice)
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

// EnsureSupport plans support on the load office's cases, by its first load user (a
// caseworker), until n plans await approval: the supervisors' queue has lines to
// approve from the first second, before the caseworkers' own plans arrive.
func EnsureSupport(ctx context.Context, stores *models.Stores, n int) error {
	var u models.User
	if err := stores.DB.Read.WithContext(ctx).Where("email = ?", "load000@load.test").First(&u).Error; err != nil {
		return fmt.Errorf("the first load user: %w", err)
	}
	have, err := stores.Support.CountAwaitingApproval(ctx, u.Scope())
	if err != nil {
		return err
	}
	if have >= int64(n) {
		return nil
	}
	var ids []uint
	if err := u.Scope().Where(stores.DB.Read.WithContext(ctx).Model(&models.Case{}), "office_id").
		Where("status <> ?", models.StatusClosed).Order("id").Limit(n).Pluck("id", &ids).Error; err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	today := time.Now().UTC().Format("2006-01-02")
	for i := int(have); i < n; i++ {
		in := models.SupportInput{Type: string(models.SupportTypes[i%len(models.SupportTypes)]),
			Description: fmt.Sprintf("Seed support %d", i), Amount: strconv.Itoa(500 + 100*(i%20)), Currency: "MAD", Date: today}
		if _, err := stores.Support.Plan(ctx, models.Actor{User: &u, IP: "load"}, u.Scope(), ids[i%len(ids)], in); err != nil {
			return fmt.Errorf("seed support %d: %w", i, err)
		}
	}
	return nil
}
