package models

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"gorm.io/gorm"
)

// DefaultAuditAddressAge is how long the audit log keeps a client's full address;
// older entries keep only its network (TruncateAuditAddresses).
const DefaultAuditAddressAge = 180 * 24 * time.Hour

// TruncateAddress cuts a client address to its network: an IPv4 address to its /24
// (192.0.2.0), an IPv6 address to its /48. Anything that is no address becomes "".
// A truncated address is its own truncation, so the cut can run again.
func TruncateAddress(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	bits := 48
	if a.Unmap().Is4() {
		a, bits = a.Unmap(), 24
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return ""
	}
	return p.Addr().String()
}

// TruncateAuditAddresses cuts the client address of every audit event before the
// given time to its network, in batches of one transaction each, and returns how many
// were cut. The audit log is otherwise append-only: nothing else of an event changes.
func (s *RetentionStore) TruncateAuditAddresses(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	var after uint
	for {
		var rows []struct {
			ID uint
			IP string
		}
		err := s.db.Read.WithContext(ctx).Raw(`SELECT id, ip FROM audit_events WHERE at < ? AND id > ? AND ip <> '' AND ip NOT LIKE '%.0' AND ip NOT LIKE '%::'
			ORDER BY id LIMIT 1000`, before.UTC(), after).Scan(&rows).Error
		if err != nil {
			return total, fmt.Errorf("read audit addresses: %w", err)
		}
		if len(rows) == 0 {
			return total, nil
		}
		after = rows[len(rows)-1].ID
		err = s.db.Tx(ctx, func(tx *gorm.DB) error {
			for _, r := range rows {
				if cut := TruncateAddress(r.IP); cut != r.IP {
					if err := tx.Exec("UPDATE audit_events SET ip = ? WHERE id = ?", cut, r.ID).Error; err != nil {
						return err
					}
					total++
				}
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("truncate audit addresses: %w", err)
		}
	}
}
