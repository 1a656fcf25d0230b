package load

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/plutora-sync/plutora-sync/schema/synctype"
)

// CredentialRefusal is a product whose credentials the token endpoint
// refuses, as the daemon records it for status.
type CredentialRefusal struct {
	Product     synctype.Product
	Since       time.Time
	Refusals    int
	NextAttempt time.Time
	Code        string // invalid_client, invalid_grant, HTTP 401, …
	Fix         string // what to check, naming the variables
}

// SaveCredentialRefusal records r, replacing the product's previous one.
func (w *Writer) SaveCredentialRefusal(ctx context.Context, r CredentialRefusal) error {
	_, err := w.db.ExecContext(ctx, `
		INSERT INTO plutora_sync.credential_refusals (product, since, refusals, next_attempt, code, fix)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (product) DO UPDATE SET since = EXCLUDED.since, refusals = EXCLUDED.refusals,
			next_attempt = EXCLUDED.next_attempt, code = EXCLUDED.code, fix = EXCLUDED.fix, updated_at = now()`,
		r.Product, r.Since, r.Refusals, r.NextAttempt, r.Code, r.Fix)
	if err != nil {
		return fmt.Errorf("record the refusal of %s's credentials: %w", r.Product, err)
	}
	return nil
}

// ClearCredentialRefusal removes product's refusal: a grant succeeded.
func (w *Writer) ClearCredentialRefusal(ctx context.Context, product synctype.Product) error {
	if _, err := w.db.ExecContext(ctx, `DELETE FROM plutora_sync.credential_refusals WHERE product = $1`, product); err != nil {
		return fmt.Errorf("clear the refusal of %s's credentials: %w", product, err)
	}
	return nil
}

// CredentialRefusals returns the refusals the daemon recorded, by product;
// none in a database not yet migrated to hold them.
func CredentialRefusals(ctx context.Context, db *sql.DB) ([]CredentialRefusal, error) {
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('plutora_sync.credential_refusals') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT product, since, refusals, next_attempt, code, fix
		FROM plutora_sync.credential_refusals ORDER BY product`)
	if err != nil {
		return nil, fmt.Errorf("read the credential refusals: %w", err)
	}
	defer rows.Close()
	var out []CredentialRefusal
	for rows.Next() {
		var r CredentialRefusal
		if err := rows.Scan(&r.Product, &r.Since, &r.Refusals, &r.NextAttempt, &r.Code, &r.Fix); err != nil {
			return nil, fmt.Errorf("read the credential refusals: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
