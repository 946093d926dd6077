package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/risk"
)

// RuleSets stores versioned rule sets and models. A version is never
// edited: a change is a new draft, compiled (refused with a clear error if
// any rule is malformed) before it is stored, and activated in one
// transaction that retires the previous active version.
type RuleSets struct{ DB *sql.DB }

// Active returns the active version of strategy.
func (s RuleSets) Active(ctx context.Context, strategy string) (risk.RuleSet, error) {
	return s.scan(s.DB.QueryRowContext(ctx, `SELECT definition FROM rule_sets WHERE strategy = ? AND status = 'active'`, strategy))
}

// ActiveVersion is the number of strategy's active version (a version's
// content never changes, so callers keep it compiled by number).
func (s RuleSets) ActiveVersion(ctx context.Context, strategy string) (int, error) {
	var v int
	err := s.DB.QueryRowContext(ctx, `SELECT version FROM rule_sets WHERE strategy = ? AND status = 'active'`, strategy).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, apierr.New(apierr.NotFound, "no active rule set for strategy %s", strategy)
	}
	return v, err
}

// Version returns one version (decisions use the version they started with).
func (s RuleSets) Version(ctx context.Context, strategy string, v int) (risk.RuleSet, error) {
	return s.scan(s.DB.QueryRowContext(ctx, `SELECT definition FROM rule_sets WHERE strategy = ? AND version = ?`, strategy, v))
}

func (s RuleSets) scan(row *sql.Row) (risk.RuleSet, error) {
	var def string
	if err := row.Scan(&def); errors.Is(err, sql.ErrNoRows) {
		return risk.RuleSet{}, apierr.New(apierr.NotFound, "no such rule set")
	} else if err != nil {
		return risk.RuleSet{}, err
	}
	return risk.ParseRuleSetJSON([]byte(def))
}

// SaveDraft compiles rs and stores it as a draft version. A rule that does
// not compile is refused here (invalid_argument), never at decision time.
func (s RuleSets) SaveDraft(ctx context.Context, rs risk.RuleSet, now time.Time) error {
	if _, err := risk.Compile(rs); err != nil {
		// Only the author's rules are their fault; a compiler failure is ours.
		var ce *risk.CompileError
		if errors.As(err, &ce) {
			return &apierr.Error{Code: apierr.InvalidArgument, Field: "rules", Reason: "invalid_rule", Message: err.Error()}
		}
		return err
	}
	def, err := json.Marshal(rs)
	if err != nil {
		return err
	}
	_, err = s.DB.ExecContext(ctx, `INSERT INTO rule_sets (strategy, version, status, definition, created_at) VALUES (?, ?, 'draft', ?, ?)`,
		rs.Strategy, rs.Version, string(def), now)
	if IsDuplicate(err) {
		return apierr.New(apierr.Conflict, "rule set %s v%d exists: versions are never edited", rs.Strategy, rs.Version)
	}
	return err
}

// Activate makes version v of strategy the active one.
func (s RuleSets) Activate(ctx context.Context, strategy string, v int, now time.Time) error {
	return InTx(ctx, s.DB, now, func(tx *Tx) error { return tx.ActivateRuleSet(ctx, strategy, v) })
}

// ActivateRuleSet is Activate inside tx.
func (tx *Tx) ActivateRuleSet(ctx context.Context, strategy string, v int) error {
	if _, err := tx.exec(ctx, `UPDATE rule_sets SET status = 'retired' WHERE strategy = ? AND status = 'active'`, strategy); err != nil {
		return err
	}
	res, err := tx.exec(ctx, `UPDATE rule_sets SET status = 'active', activated_at = ? WHERE strategy = ? AND version = ? AND status = 'draft'`, tx.now, strategy, v)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apierr.New(apierr.FailedPrecondition, "rule set %s v%d is not a draft", strategy, v)
	}
	return nil
}

// Model returns model version v.
func (s RuleSets) Model(ctx context.Context, v int) (risk.Model, error) {
	var def string
	var m risk.Model
	if err := s.DB.QueryRowContext(ctx, `SELECT definition FROM risk_models WHERE version = ?`, v).Scan(&def); err != nil {
		return m, fmt.Errorf("model v%d: %w", v, err)
	}
	return m, json.Unmarshal([]byte(def), &m)
}

// syncRiskDefaults stores the shipped default rule set (active) and model
// when the database has none.
func syncRiskDefaults(ctx context.Context, db *sql.DB, now time.Time) error {
	rs, m := risk.DefaultRuleSet(), risk.DefaultModel()
	rsj, err := json.Marshal(rs)
	if err != nil {
		return err
	}
	mj, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `INSERT IGNORE INTO risk_models (version, definition, created_at) VALUES (?, ?, ?)`, m.Version, string(mj), now); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `INSERT INTO rule_sets (strategy, version, status, definition, created_at, activated_at)
		SELECT ?, ?, 'active', ?, ?, ? FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM rule_sets WHERE strategy = ?)`,
		rs.Strategy, rs.Version, string(rsj), now, now, rs.Strategy)
	return err
}
