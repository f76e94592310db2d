package models

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// OfficeListRow is an office with how many cases and users it has.
type OfficeListRow struct {
	Office
	Cases int64
	Users int64
}

// ListWithCounts returns every office by code with its case and user counts, counted by
// the database.
func (s *OfficeStore) ListWithCounts(ctx context.Context) ([]OfficeListRow, error) {
	var out []OfficeListRow
	err := s.db.Read.WithContext(ctx).Raw(`SELECT o.id, o.code, o.name, o.city, o.receipt_required, o.created_at, o.updated_at,
		(SELECT COUNT(*) FROM cases c WHERE c.office_id = o.id) AS cases,
		(SELECT COUNT(*) FROM users u WHERE u.office_id = o.id) AS users
		FROM offices o ORDER BY o.code`).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list offices: %w", err)
	}
	return out, nil
}

// OfficeRename is what can change on an existing office: its code stays, because case
// numbers carry it.
type OfficeRename struct {
	Name, City string
}

// Validate checks the input and returns errors keyed by form field.
func (in *OfficeRename) Validate() FieldErrors {
	fe := FieldErrors{}
	in.Name = strings.TrimSpace(in.Name)
	in.City = strings.TrimSpace(in.City)
	checkText(fe, "name", in.Name, true)
	checkText(fe, "city", in.City, true)
	return fe
}

// Rename changes an office's name and city.
func (s *OfficeStore) Rename(ctx context.Context, actor Actor, id uint, in OfficeRename) error {
	if err := in.Validate().Err(); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		var o Office
		if err := tx.Where("id = ?", id).Limit(1).Find(&o).Error; err != nil {
			return fmt.Errorf("load office: %w", err)
		}
		if o.ID == 0 {
			return ErrNotFound
		}
		changes := map[string]any{}
		if o.Name != in.Name {
			changes["name"] = in.Name
		}
		if o.City != in.City {
			changes["city"] = in.City
		}
		if len(changes) == 0 {
			return nil
		}
		ev := actor.Event("office.update", "office", fmt.Sprint(id))
		ev.Fields = changedFields(changes)
		if err := tx.Model(&Office{}).Where("id = ?", id).Updates(changes).Error; err != nil {
			return fmt.Errorf("rename office: %w", err)
		}
		return s.audit.RecordTx(tx, ev)
	})
}

// Delete removes an office that has no cases, users or sessions; otherwise ErrForbidden.
func (s *OfficeStore) Delete(ctx context.Context, actor Actor, id uint) error {
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Raw(`SELECT (SELECT COUNT(*) FROM cases WHERE office_id = ?) +
			(SELECT COUNT(*) FROM users WHERE office_id = ?) +
			(SELECT COUNT(*) FROM group_sessions WHERE office_id = ?)`, id, id, id).Scan(&n).Error; err != nil {
			return fmt.Errorf("office in use: %w", err)
		}
		if n > 0 {
			return ErrOfficeInUse
		}
		res := tx.Where("id = ?", id).Delete(&Office{})
		if res.Error != nil {
			return fmt.Errorf("delete office: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return s.audit.RecordTx(tx, actor.Event("office.delete", "office", fmt.Sprint(id)))
	})
}

// ErrOfficeInUse refuses deleting an office that still has cases, users or sessions.
var ErrOfficeInUse = fmt.Errorf("office has records: %w", ErrForbidden)
