package load

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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
	// planned support ("case id|amount in minor units|currency|description")
	"support": checkSupport,
	// support approved at once from the queue ("id,id,...")
	"support-approval": checkSupportApprovals,
}

// GlobalChecks run once after the per-user checks, whatever was written.
var GlobalChecks = map[string]func(ctx context.Context, db *models.DB) error{
	"case numbers are unique":                   checkCaseNumbersUnique,
	"no support approved by whoever planned it": checkFourEyes,
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

// checkSupport: each acknowledged support plan is in the database exactly once (found by
// its description, unique to the write), on the case it was planned for, for the amount
// typed and planned by this user; one sent but not acknowledged at most once, and right.
func checkSupport(ctx context.Context, db *models.DB, user string, writes []Write) error {
	type plan struct {
		caseID         uint
		amount         int64
		currency, desc string
	}
	plans := make([]plan, len(writes))
	descs := make([]string, len(writes))
	for i, w := range writes {
		parts := strings.SplitN(w.Value, "|", 4)
		if len(parts) != 4 {
			return fmt.Errorf("malformed support plan %q", w.Value)
		}
		id, err1 := strconv.ParseUint(parts[0], 10, 64)
		amount, err2 := strconv.ParseInt(parts[1], 10, 64)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("malformed support plan %q", w.Value)
		}
		plans[i] = plan{uint(id), amount, parts[2], parts[3]}
		descs[i] = parts[3]
	}
	type row struct {
		Description string
		CaseID      uint
		Amount      int64
		Currency    string
		Planner     string
	}
	var rows []row
	if err := db.Read.WithContext(ctx).Raw(`SELECT s.description, s.case_id, s.amount, s.currency, u.email AS planner
		FROM supports s LEFT JOIN users u ON u.id = s.planned_by_id WHERE s.description IN ?`, descs).Scan(&rows).Error; err != nil {
		return err
	}
	found := map[string][]row{}
	for _, r := range rows {
		found[r.Description] = append(found[r.Description], r)
	}
	var errs []error
	for i, w := range writes {
		p, got := plans[i], found[plans[i].desc]
		switch {
		case len(got) > 1:
			errs = append(errs, fmt.Errorf("support plan %q saved %d times", p.desc, len(got)))
		case len(got) == 0 && w.Acked:
			errs = append(errs, fmt.Errorf("acknowledged support plan %q is missing", p.desc))
		case len(got) == 1 && (got[0].CaseID != p.caseID || got[0].Amount != p.amount || got[0].Currency != p.currency || got[0].Planner != user):
			errs = append(errs, fmt.Errorf("support plan %q saved on case %d for %d %s by %s, want case %d for %d %s by %s", p.desc,
				got[0].CaseID, got[0].Amount, got[0].Currency, got[0].Planner, p.caseID, p.amount, p.currency, user))
		}
	}
	return errors.Join(errs...)
}

// checkSupportApprovals: each support of an acknowledged approval is approved (or
// delivered since) by this supervisor, and no support was approved twice (one audit
// event each).
func checkSupportApprovals(ctx context.Context, db *models.DB, user string, writes []Write) error {
	var ids []uint
	for _, w := range writes {
		for _, v := range strings.Split(w.Value, ",") {
			id, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return fmt.Errorf("malformed support approval %q", w.Value)
			}
			ids = append(ids, uint(id))
		}
	}
	type row struct {
		ID       uint
		Status   string
		Approver string
	}
	var rows []row
	if err := db.Read.WithContext(ctx).Raw(`SELECT s.id, s.status, COALESCE(u.email, '') AS approver
		FROM supports s LEFT JOIN users u ON u.id = s.approved_by_id WHERE s.id IN ?`, ids).Scan(&rows).Error; err != nil {
		return err
	}
	got := map[uint]row{}
	for _, r := range rows {
		got[r.ID] = r
	}
	var records []string
	for _, id := range ids {
		records = append(records, strconv.FormatUint(uint64(id), 10))
	}
	type count struct {
		RecordID string
		N        int
	}
	var counts []count
	if err := db.Read.WithContext(ctx).Raw(`SELECT record_id, count(*) AS n FROM audit_events
		WHERE action = 'support.approve' AND record_type = 'support' AND record_id IN ? GROUP BY record_id`, records).Scan(&counts).Error; err != nil {
		return err
	}
	approvals := map[string]int{}
	for _, c := range counts {
		approvals[c.RecordID] = c.N
	}
	var errs []error
	for _, w := range writes {
		for _, v := range strings.Split(w.Value, ",") {
			id, _ := strconv.ParseUint(v, 10, 64)
			r, ok := got[uint(id)]
			switch {
			case approvals[v] > 1:
				errs = append(errs, fmt.Errorf("support %s approved %d times", v, approvals[v]))
			case !w.Acked:
			case !ok:
				errs = append(errs, fmt.Errorf("approved support %s is missing", v))
			case r.Status != string(models.SupportApproved) && r.Status != string(models.SupportDelivered):
				errs = append(errs, fmt.Errorf("acknowledged approval of support %s: status %s", v, r.Status))
			case r.Approver != user:
				errs = append(errs, fmt.Errorf("acknowledged approval of support %s: approved by %q", v, r.Approver))
			}
		}
	}
	return errors.Join(errs...)
}

// checkFourEyes: nobody approved support they planned, whatever the load sent.
func checkFourEyes(ctx context.Context, db *models.DB) error {
	var ids []uint
	if err := db.Read.WithContext(ctx).Raw(`SELECT id FROM supports WHERE approved_by_id = planned_by_id
		ORDER BY id LIMIT 10`).Scan(&ids).Error; err != nil {
		return err
	}
	if len(ids) > 0 {
		return fmt.Errorf("support approved by its planner: %v", ids)
	}
	return nil
}
