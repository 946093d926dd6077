package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/ledger"
)

// Ledger posts and verifies the double-entry book.
type Ledger struct{ DB *sql.DB }

// Posted tells whether a post wrote the transaction or found it already
// posted under the same key with the same content.
type Posted struct {
	Existing bool
}

// Post posts t in its own database transaction (retried on deadlock).
func (l Ledger) Post(ctx context.Context, t ledger.Transaction, now time.Time) (Posted, error) {
	if err := t.Validate(); err != nil {
		return Posted{}, err
	}
	var p Posted
	err := InTx(ctx, l.DB, now, func(tx *Tx) error {
		var err error
		p, err = tx.Post(ctx, t)
		return err
	})
	return p, err
}

// Post posts t inside tx, so a state change, its ledger transaction and
// its outbox record commit together. The same key with the same content is
// an idempotent hit (Existing, nothing written); with other content it is
// `conflict`. The transaction row, its entries and the balances go to the
// server as one batch: one round trip for the whole posting.
func (tx *Tx) Post(ctx context.Context, t ledger.Transaction) (Posted, error) {
	if err := t.Validate(); err != nil {
		return Posted{}, err
	}
	ids, err := tx.accountIDs(ctx, t.Entries)
	if err != nil {
		return Posted{}, err
	}
	hash := t.Hash()
	var b batch
	b.add(`INSERT INTO ledger_transactions (idem_key, kind, input_hash, reverses_key, created_at) VALUES (?, ?, ?, ?, ?)`,
		t.Key, t.Kind, hash, nullString(t.Reverses), tx.now)
	err = tx.applyEntries(ctx, &b, nil, []ledger.Transaction{t}, ids)
	// Only the key's unique index can refuse a row of the batch as a
	// duplicate, and the server stops at it: the statement alone rolled
	// back, nothing else of the batch ran.
	if IsDuplicate(err) {
		return tx.existing(ctx, t.Key, hash)
	}
	if err != nil {
		return Posted{}, fmt.Errorf("ledger post %s: %w", t.Key, err)
	}
	return Posted{}, nil
}

// PostMany posts ts inside tx as Post does each, with one statement per
// table for all of them (the close of business posts a chunk's penalties
// at once). If any key is taken already it falls back to Post one by one,
// so an idempotent hit stays a hit and other content stays conflict.
func (tx *Tx) PostMany(ctx context.Context, ts []ledger.Transaction) error {
	if len(ts) == 0 {
		return nil
	}
	var all []ledger.Entry
	for _, t := range ts {
		if err := t.Validate(); err != nil {
			return err
		}
		all = append(all, t.Entries...)
	}
	ids, err := tx.accountIDs(ctx, all)
	if err != nil {
		return err
	}
	rows := make([][]any, len(ts))
	ordered := make([]int64, 0, len(ts))
	for i, t := range ts {
		rows[i] = []any{t.Key, t.Kind, t.Hash(), nullString(t.Reverses), tx.now}
	}
	_, err = tx.exec(ctx, `INSERT INTO ledger_transactions (idem_key, kind, input_hash, reverses_key, created_at) VALUES `+rowMarks(5, len(rows)), flat(rows)...)
	if IsDuplicate(err) { // the statement alone rolled back
		for _, t := range ts {
			if _, err := tx.Post(ctx, t); err != nil {
				return err
			}
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("ledger post %s...: %w", ts[0].Key, err)
	}
	txIDs, err := tx.txIDs(ctx, ts)
	if err != nil {
		return err
	}
	for _, t := range ts {
		ordered = append(ordered, txIDs[t.Key])
	}
	if err := tx.applyEntries(ctx, &batch{}, ordered, ts, ids); err != nil {
		return fmt.Errorf("ledger post %s...: %w", ts[0].Key, err)
	}
	return nil
}

// txIDs reads the ids of the transactions ts just inserted (a multi-row
// INSERT's ids are consecutive only in some auto-increment lock modes).
func (tx *Tx) txIDs(ctx context.Context, ts []ledger.Transaction) (map[string]int64, error) {
	args := make([]any, len(ts))
	for i, t := range ts {
		args[i] = t.Key
	}
	rows, err := tx.query(ctx, `SELECT id, idem_key FROM ledger_transactions WHERE idem_key IN (?`+strings.Repeat(", ?", len(ts)-1)+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]int64, len(ts))
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return nil, err
		}
		out[key] = id
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) != len(ts) {
		return nil, fmt.Errorf("ledger post: %d of %d transactions found", len(out), len(ts))
	}
	return out, nil
}

func (tx *Tx) existing(ctx context.Context, key, hash string) (Posted, error) {
	var got string
	if err := tx.queryRow(ctx, `SELECT input_hash FROM ledger_transactions WHERE idem_key = ?`, key).Scan(&got); err != nil {
		return Posted{}, fmt.Errorf("ledger post %s: %w", key, err)
	}
	if got != hash {
		return Posted{}, apierr.New(apierr.Conflict, "ledger key %s was already used for different entries", key)
	}
	return Posted{Existing: true}, nil
}

// accountCache maps account names to ids per pool. Accounts are never
// deleted, and an id enters the cache only once the transaction that
// found or created the account committed, so a cached id is always valid.
var accountCache sync.Map // *sql.DB -> *sync.Map[ledger.Account]int64

func accountCacheOf(db *sql.DB) *sync.Map {
	c, _ := accountCache.LoadOrStore(db, &sync.Map{})
	return c.(*sync.Map)
}

// accountIDs returns every entry account's id, creating missing accounts
// in tx. Known accounts cost no round trip.
func (tx *Tx) accountIDs(ctx context.Context, entries []ledger.Entry) (map[ledger.Account]int64, error) {
	ids := map[ledger.Account]int64{}
	var missing []ledger.Account
	for _, e := range entries {
		if _, seen := ids[e.Account]; seen {
			continue
		}
		if id, ok := tx.knownAccount(e.Account); ok {
			ids[e.Account] = id
			continue
		}
		ids[e.Account] = 0
		missing = append(missing, e.Account)
	}
	if len(missing) == 0 {
		return ids, nil
	}
	if err := tx.createAccounts(ctx, missing, ids); err != nil {
		return nil, err
	}
	return ids, nil
}

func (tx *Tx) knownAccount(a ledger.Account) (int64, bool) {
	if id, ok := tx.created[a]; ok {
		return id, true
	}
	if id, ok := tx.accounts.Load(a); ok {
		return id.(int64), true
	}
	return 0, false
}

// createAccounts finds the accounts names, inserting those that do not
// exist yet (in name order: one lock order for concurrent creators), and
// records their ids in ids and tx.created. An account made here is rolled
// back with tx.
func (tx *Tx) createAccounts(ctx context.Context, names []ledger.Account, ids map[ledger.Account]int64) error {
	slices.Sort(names)
	if err := tx.readAccounts(ctx, names, ids); err != nil {
		return err
	}
	var args []any
	var marks []string
	for _, a := range names {
		if ids[a] == 0 {
			typ, _ := ledger.Classify(a)
			marks = append(marks, "(?, ?, 0, ?)")
			args = append(args, string(a), string(typ), tx.now)
		}
	}
	if len(marks) > 0 {
		if _, err := tx.exec(ctx, `INSERT IGNORE INTO ledger_accounts (code, type, balance_fen, created_at) VALUES `+strings.Join(marks, ", "), args...); err != nil {
			return fmt.Errorf("ledger accounts: %w", err)
		}
		if err := tx.readAccounts(ctx, names, ids); err != nil {
			return err
		}
	}
	if tx.created == nil {
		tx.created = map[ledger.Account]int64{}
	}
	for _, a := range names {
		if ids[a] == 0 {
			return fmt.Errorf("ledger account %s was not created", a)
		}
		tx.created[a] = ids[a]
	}
	return nil
}

// readAccounts sets the ids of the stored accounts among names.
func (tx *Tx) readAccounts(ctx context.Context, names []ledger.Account, ids map[ledger.Account]int64) error {
	q := make([]any, len(names))
	for i, a := range names {
		q[i] = string(a)
	}
	rows, err := tx.query(ctx, `SELECT id, code FROM ledger_accounts WHERE code IN (?`+strings.Repeat(", ?", len(q)-1)+`)`, q...)
	if err != nil {
		return fmt.Errorf("ledger accounts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			return err
		}
		ids[ledger.Account(code)] = id
	}
	return rows.Err()
}

// BalanceShards is how many sub-balance rows a hot account (ledger.Hot)
// has at most; a posting adds to one of them, and a balance read sums at
// most 32 rows.
const BalanceShards = 32

// nextShard deals shards round robin from a random start: postings that
// run at the same time in one process (they started one after another)
// get different shards, so up to BalanceShards concurrent postings never
// wait on each other's shard row, which a posting keeps locked until its
// commit is on disk. Picked at random instead, about one post in four
// waited for a row lock with 16 workers (BenchmarkLedger; InnoDB's
// Innodb_row_lock_waits). Other processes start elsewhere in the ring.
var nextShard atomic.Uint32

func init() { nextShard.Store(rand.Uint32()) }

func pickShard() int { return int(nextShard.Add(1) % BalanceShards) }

// batch is statements sent to the server as one (the pools allow multiple
// statements, NewConnector): it runs them in order and stops at the first
// error, which the call returns. A posting is thus one round trip however
// many tables it writes. Every value is a ? placeholder, escaped by the
// driver like any other argument.
type batch struct {
	stmts []string
	args  []any
}

func (b *batch) add(stmt string, args ...any) {
	b.stmts = append(b.stmts, stmt)
	b.args = append(b.args, args...)
}

// applyEntries adds to b the entries of ts (txIDs[i] is ts[i]'s id; nil
// for the one transaction b's previous statement inserts, whose id the
// entries take from LAST_INSERT_ID(), the server's value for the previous
// statement) and every balance move, and runs b.
//
// A hot account's delta goes to one of its shard rows (pickShard), in one
// upsert sorted by (account, shard), so the hot accounts are never one
// lock everyone waits for; a per-loan account's balance_fen moves in one
// UPDATE (InnoDB locks the rows in primary-key order). Every posting locks
// in that order: shards, then loan accounts. The server runs the whole
// batch at once, so the order does not change how long a row stays
// locked (to the commit); the UPDATE comes last so that its row count,
// the batch's, proves every loan account was there.
func (tx *Tx) applyEntries(ctx context.Context, b *batch, txIDs []int64, ts []ledger.Transaction, ids map[ledger.Account]int64) error {
	delta := map[int64]int64{}
	hot := map[int64]bool{}
	var marks []string
	for i, t := range ts {
		for _, e := range t.Entries {
			delta[ids[e.Account]] += int64(e.AmountFen)
			hot[ids[e.Account]] = ledger.Hot(e.Account)
			if txIDs == nil {
				marks = append(marks, "(LAST_INSERT_ID(), ?, ?, ?)")
			} else {
				marks = append(marks, "(?, ?, ?, ?)")
				b.args = append(b.args, txIDs[i])
			}
			b.args = append(b.args, ids[e.Account], int64(e.AmountFen), tx.now)
		}
	}
	b.stmts = append(b.stmts, `INSERT INTO ledger_entries (tx_id, account_id, amount_fen, created_at) VALUES `+strings.Join(marks, ", "))
	var cold, shared []int64
	for id, d := range delta {
		switch {
		case d == 0:
		case hot[id]:
			shared = append(shared, id)
		default:
			cold = append(cold, id)
		}
	}
	moveShards(b, shared, delta)
	moveBalances(b, cold, delta)
	res, err := tx.exec(ctx, strings.Join(b.stmts, ";\n"), b.args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); len(cold) > 0 && n != int64(len(cold)) {
		return fmt.Errorf("ledger balances: %d of %d accounts updated", n, len(cold))
	}
	return nil
}

// moveBalances adds to b the UPDATE that adds delta to the balance_fen of
// the accounts.
func moveBalances(b *batch, accts []int64, delta map[int64]int64) {
	if len(accts) == 0 {
		return
	}
	slices.Sort(accts)
	var cases strings.Builder
	for _, id := range accts {
		cases.WriteString(" WHEN ? THEN ?")
		b.args = append(b.args, id, delta[id])
	}
	for _, id := range accts {
		b.args = append(b.args, id)
	}
	b.stmts = append(b.stmts, `UPDATE ledger_accounts SET balance_fen = balance_fen + CASE id`+cases.String()+
		` END WHERE id IN (?`+strings.Repeat(", ?", len(accts)-1)+`)`)
}

// moveShards adds to b the upsert that adds delta to one shard of each hot
// account (pickShard), in (account, shard) order.
func moveShards(b *batch, accts []int64, delta map[int64]int64) {
	if len(accts) == 0 {
		return
	}
	slices.Sort(accts)
	marks := make([]string, len(accts))
	shard := pickShard()
	for i, id := range accts {
		marks[i] = "(?, ?, ?)"
		b.args = append(b.args, id, shard, delta[id])
	}
	b.stmts = append(b.stmts, `INSERT INTO ledger_balance_shards (account_id, shard, balance_fen) VALUES `+strings.Join(marks, ", ")+
		` ON DUPLICATE KEY UPDATE balance_fen = balance_fen + VALUES(balance_fen)`)
}

// balanceSQL is an account's balance for a row a of ledger_accounts: its
// own balance_fen plus its shards.
const balanceSQL = `a.balance_fen + COALESCE((SELECT SUM(s.balance_fen) FROM ledger_balance_shards s WHERE s.account_id = a.id), 0)`

// Balance is an account's balance (0 for an account never used).
func (l Ledger) Balance(ctx context.Context, a ledger.Account) (int64, error) {
	var b int64
	err := l.DB.QueryRowContext(ctx, `SELECT `+balanceSQL+` FROM ledger_accounts a WHERE a.code = ?`, string(a)).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return b, err
}

// Violation is one broken invariant found by Verify.
type Violation struct {
	Kind   string // unbalanced_tx, balance_mismatch, orphan_shard, book_not_zero
	Detail string
}

// verifyLimit bounds the violations Verify reports of each kind.
const verifyLimit = 50

// Verify checks the whole book: every transaction has two or more entries
// summing to zero, every account's balance (balance_fen plus its shards)
// equals the sum of its entries, no shard belongs to an unknown account,
// and all balances together sum to zero. It returns at most verifyLimit
// violations of each of the first three kinds, and the fourth.
func (l Ledger) Verify(ctx context.Context) ([]Violation, error) {
	var out []Violation
	checks := []struct{ kind, sql string }{
		{"unbalanced_tx", `SELECT t.idem_key, COUNT(e.id), COALESCE(SUM(e.amount_fen), 0) FROM ledger_transactions t
			LEFT JOIN ledger_entries e ON e.tx_id = t.id GROUP BY t.id, t.idem_key
			HAVING COUNT(e.id) < 2 OR COALESCE(SUM(e.amount_fen), 0) <> 0 LIMIT ?`},
		{"balance_mismatch", `SELECT a.code, a.balance_fen + COALESCE(s.b, 0), COALESCE(e.t, 0) FROM ledger_accounts a
			LEFT JOIN (SELECT account_id, SUM(balance_fen) b FROM ledger_balance_shards GROUP BY account_id) s ON s.account_id = a.id
			LEFT JOIN (SELECT account_id, SUM(amount_fen) t FROM ledger_entries GROUP BY account_id) e ON e.account_id = a.id
			WHERE a.balance_fen + COALESCE(s.b, 0) <> COALESCE(e.t, 0) LIMIT ?`},
		{"orphan_shard", `SELECT CONCAT('account id ', s.account_id, ' shard ', s.shard), s.balance_fen, 0 FROM ledger_balance_shards s
			LEFT JOIN ledger_accounts a ON a.id = s.account_id WHERE a.id IS NULL LIMIT ?`},
	}
	for _, c := range checks {
		rows, err := l.DB.QueryContext(ctx, c.sql, verifyLimit)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var name string
			var a, b int64
			if err := rows.Scan(&name, &a, &b); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, Violation{Kind: c.kind, Detail: fmt.Sprintf("%s: %d / %d", name, a, b)})
		}
		rows.Close()
	}
	var total sql.NullInt64
	if err := l.DB.QueryRowContext(ctx, `SELECT (SELECT COALESCE(SUM(balance_fen), 0) FROM ledger_accounts) +
		(SELECT COALESCE(SUM(balance_fen), 0) FROM ledger_balance_shards)`).Scan(&total); err != nil {
		return nil, err
	}
	if total.Int64 != 0 {
		out = append(out, Violation{Kind: "book_not_zero", Detail: fmt.Sprintf("balances sum to %d", total.Int64)})
	}
	return out, nil
}

// Balances lists account balances by name (at most limit accounts).
func (l Ledger) Balances(ctx context.Context, limit int) (map[string]int64, error) {
	rows, err := l.DB.QueryContext(ctx, `SELECT a.code, `+balanceSQL+` FROM ledger_accounts a ORDER BY a.code LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var code string
		var b int64
		if err := rows.Scan(&code, &b); err != nil {
			return nil, err
		}
		out[code] = b
	}
	return out, rows.Err()
}
