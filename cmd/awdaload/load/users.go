package load

import (
	"context"
	"errors"
	"fmt"

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
