package load

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
	"case":     checkCases,
	"move":     checkMoves,
}

// GlobalChecks run once after the per-user checks, whatever was written.
var GlobalChecks = map[string]func(ctx context.Context, db *models.DB) error{
	"case numbers are unique": checkCaseNumbersUnique,
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
	for name, check := range GlobalChecks {
		if err := check(ctx, db); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
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

// checkCases: each acknowledged registration is in the database exactly once (found by
// its identity document number); one sent but not acknowledged at most once.
func checkCases(ctx context.Context, db *models.DB, user string, writes []Write) error {
	var markers []string
	for _, w := range writes {
		markers = append(markers, w.Value)
	}
	type row struct {
		IDDocNumber string
		N           int
	}
	var rows []row
	if err := db.Read.WithContext(ctx).Raw(`SELECT id_doc_number, count(*) AS n FROM cases
		WHERE id_doc_number IN ? GROUP BY id_doc_number`, markers).Scan(&rows).Error; err != nil {
		return err
	}
	found := map[string]int{}
	for _, r := range rows {
		found[r.IDDocNumber] = r.N
	}
	var errs []error
	for _, w := range writes {
		switch n := found[w.Value]; {
		case n > 1:
			errs = append(errs, fmt.Errorf("registration %s saved %d times", w.Value, n))
		case w.Acked && n == 0:
			errs = append(errs, fmt.Errorf("acknowledged registration %s is missing", w.Value))
		}
	}
	return errors.Join(errs...)
}

// checkMoves: each acknowledged workflow step ("id:status") is in the case's history
// exactly once.
func checkMoves(ctx context.Context, db *models.DB, user string, writes []Write) error {
	var errs []error
	for _, w := range writes {
		id, to, ok := strings.Cut(w.Value, ":")
		if !ok {
			return fmt.Errorf("malformed move %q", w.Value)
		}
		var n int64
		if err := db.Read.WithContext(ctx).Raw("SELECT count(*) FROM status_changes WHERE case_id = ? AND to_status = ?",
			id, to).Scan(&n).Error; err != nil {
			return err
		}
		switch {
		case n > 1:
			errs = append(errs, fmt.Errorf("case %s moved to %s %d times", id, to, n))
		case w.Acked && n == 0:
			errs = append(errs, fmt.Errorf("acknowledged move of case %s to %s is missing", id, to))
		}
	}
	return errors.Join(errs...)
}

func checkCaseNumbersUnique(ctx context.Context, db *models.DB) error {
	var dups []string
	if err := db.Read.WithContext(ctx).Raw(`SELECT case_number FROM cases GROUP BY case_number
		HAVING count(*) > 1 ORDER BY case_number LIMIT 10`).Scan(&dups).Error; err != nil {
		return err
	}
	if len(dups) > 0 {
		return fmt.Errorf("case numbers used more than once: %s", strings.Join(dups, ", "))
	}
	return nil
}
