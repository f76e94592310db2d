package models

import (
	"context"

	"github.com/go-gormigrate/gormigrate/v2"
)

// MigrateUpTo brings an empty database up to the migration id only, so that a test can
// put rows in the schema a later migration converts.
func MigrateUpTo(ctx context.Context, db *DB, id string) error {
	m := gormigrate.New(db.Write.WithContext(ctx), &gormigrate.Options{TableName: "schema_migrations", IDColumnName: "id",
		IDColumnSize: 255, UseTransaction: true, ValidateUnknownMigrations: true}, migrations())
	return m.MigrateTo(id)
}
