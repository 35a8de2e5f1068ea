package embedded

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations[i] brings the schema from user_version i to i+1. Each runs in
// its own transaction together with the version bump, so a crash leaves the
// file at a whole version. Never edit a shipped migration: append one, as
// migrateN.go with a comment on why each piece of the schema changes.
var migrations = []func(*sql.Tx) error{
	migrate1,
	migrate2,
	migrate3,
	migrate4,
}

// migrate applies the missing migrations. The writer pool uses BEGIN
// IMMEDIATE, so two processes opening a new file at once serialise here and
// the second one sees the first one's version.
func migrate(db *sql.DB) error {
	ctx := context.Background()
	for {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		var v int
		if err := tx.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
			tx.Rollback()
			return err
		}
		if v > len(migrations) {
			tx.Rollback()
			return fmt.Errorf("the store has schema version %d, newer than this ttmon understands (%d): upgrade ttmon", v, len(migrations))
		}
		if v == len(migrations) {
			return tx.Commit()
		}
		if err := migrations[v](tx); err != nil {
			tx.Rollback()
			return fmt.Errorf("to version %d: %w", v+1, err)
		}
		if _, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, v+1)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
}
