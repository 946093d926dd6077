package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/money"
)

// Products stores versioned loan products.
type Products struct{ DB *sql.DB }

// ProductVersion is a product with its stored version.
type ProductVersion struct {
	lending.Product
	Version int
}

// Active returns the active version of code; not_found if there is none.
func (s Products) Active(ctx context.Context, code string) (ProductVersion, error) {
	return s.scan(s.DB.QueryRowContext(ctx, `SELECT version, definition FROM products WHERE code = ? AND status = 'active'`, code))
}

// Version returns one stored version (loans price with the version they
// were quoted under, even after a newer one is published).
func (s Products) Version(ctx context.Context, code string, version int) (ProductVersion, error) {
	return s.scan(s.DB.QueryRowContext(ctx, `SELECT version, definition FROM products WHERE code = ? AND version = ?`, code, version))
}

// ProductVersion is Products.Version read in tx.
func (tx *Tx) ProductVersion(ctx context.Context, code string, version int) (ProductVersion, error) {
	return Products{}.scan(tx.queryRow(ctx, `SELECT version, definition FROM products WHERE code = ? AND version = ?`, code, version))
}

func (s Products) scan(row *sql.Row) (ProductVersion, error) {
	var pv ProductVersion
	var def string
	err := row.Scan(&pv.Version, &def)
	if errors.Is(err, sql.ErrNoRows) {
		return pv, apierr.New(apierr.NotFound, "no such product")
	}
	if err != nil {
		return pv, fmt.Errorf("load product: %w", err)
	}
	if err := json.Unmarshal([]byte(def), &pv.Product); err != nil {
		return pv, fmt.Errorf("decode product: %w", err)
	}
	return pv, nil
}

// Publish validates p under capBP and stores it as the next version of its
// code, retiring the previous active version in the same transaction. A
// product whose worst case breaks the cap is refused (failed_precondition)
// and nothing is stored.
func (s Products) Publish(ctx context.Context, p lending.Product, capBP money.BP, now time.Time) (int, error) {
	if err := p.Validate(capBP); err != nil {
		return 0, err
	}
	def, err := json.Marshal(p)
	if err != nil {
		return 0, err
	}
	var version int
	err = InTx(ctx, s.DB, now, func(tx *Tx) (err error) {
		version, err = tx.publishProduct(ctx, p.Code, def)
		return err
	})
	return version, err
}

// PublishProduct is Publish inside tx (maker-checker approvals apply it
// together with the proposal's own update and audit row).
func (tx *Tx) PublishProduct(ctx context.Context, p lending.Product, capBP money.BP) (int, error) {
	if err := p.Validate(capBP); err != nil {
		return 0, err
	}
	def, err := json.Marshal(p)
	if err != nil {
		return 0, err
	}
	return tx.publishProduct(ctx, p.Code, def)
}

func (tx *Tx) publishProduct(ctx context.Context, code string, def []byte) (int, error) {
	var version int
	if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM products WHERE code = ? FOR UPDATE`, code).Scan(&version); err != nil {
		return 0, err
	}
	if _, err := tx.exec(ctx, `UPDATE products SET status = 'retired' WHERE code = ? AND status = 'active'`, code); err != nil {
		return 0, err
	}
	_, err := tx.exec(ctx, `INSERT INTO products (code, version, status, definition, created_at) VALUES (?, ?, 'active', ?, ?)`,
		code, version, string(def), tx.now)
	return version, err
}
