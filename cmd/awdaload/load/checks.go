package load

import (
	"context"
	"errors"
	"fmt"

	"awda/models"
)

// Check verifies in the database the writes of one kind by one user, in the order they
// were sent. Add one per kind of write (registered cases, planned support...).
type Check func(ctx context.Context, db *models.DB, user string, writes []Write) error

// Checks maps a write's kind to its check.
var Checks = map[string]Check{
	"signin":   checkSignIns,
	"language": checkLanguage,
	"password": checkPassword,
}

// Verify runs every check: each acknowledged write must be in the database.
func Verify(ctx context.Context, db *models.DB, writes []Write) error {
	type key struct{ kind, user string }
	groups := map[key][]Write{}
	var order []key
	for _, w := range writes {
		k := key{w.Kind, w.User}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], w)
	}
	var errs []error
	for _, k := range order {
		check, ok := Checks[k.kind]
		if !ok {
			errs = append(errs, fmt.Errorf("no check for writes of kind %q", k.kind))
			continue
		}
		if err := check(ctx, db, k.user, groups[k]); err != nil {
			errs = append(errs, fmt.Errorf("%s of %s: %w", k.kind, k.user, err))
		}
	}
	return errors.Join(errs...)
}

// possibleFinal is what the last state may be: the last acknowledged value, or any value
// sent after it (sent, perhaps saved, but not acknowledged before a crash).
func possibleFinal(writes []Write) (values []string, any bool) {
	last := -1
	for i, w := range writes {
		if w.Acked {
			last = i
		}
	}
	if last < 0 {
		return nil, false
	}
	for _, w := range writes[last:] {
		values = append(values, w.Value)
	}
	return values, true
}

func checkSignIns(ctx context.Context, db *models.DB, user string, writes []Write) error {
	acked := 0
	for _, w := range writes {
		if w.Acked {
			acked++
		}
	}
	var n int64
	err := db.Read.WithContext(ctx).Raw(`SELECT count(*) FROM login_sessions s JOIN users u ON u.id = s.user_id
		WHERE u.email = ?`, user).Scan(&n).Error
	if err != nil {
		return err
	}
	if n < int64(acked) {
		return fmt.Errorf("%d sign-ins acknowledged, %d sessions saved", acked, n)
	}
	return nil
}

func checkLanguage(ctx context.Context, db *models.DB, user string, writes []Write) error {
	want, ok := possibleFinal(writes)
	if !ok {
		return nil
	}
	var got string
	if err := db.Read.WithContext(ctx).Raw("SELECT language FROM users WHERE email = ?", user).Scan(&got).Error; err != nil {
		return err
	}
	for _, v := range want {
		if v == got {
			return nil
		}
	}
	return fmt.Errorf("language is %q, want one of %q", got, want)
}

func checkPassword(ctx context.Context, db *models.DB, user string, writes []Write) error {
	want, ok := possibleFinal(writes)
	if !ok {
		return nil
	}
	var hash string
	if err := db.Read.WithContext(ctx).Raw("SELECT password_hash FROM users WHERE email = ?", user).Scan(&hash).Error; err != nil {
		return err
	}
	for _, v := range want {
		if ok, _ := models.VerifyPassword(v, hash); ok {
			return nil
		}
	}
	return errors.New("the stored password is none of the acknowledged or later ones")
}
