package mysql_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
)

func disbursementPost(key string, loanID int64, amount money.Fen) ledger.Transaction {
	return ledger.Transaction{Key: key, Kind: "disbursement", Entries: []ledger.Entry{
		{Account: ledger.LoanAccount(loanID, ledger.Principal), AmountFen: amount},
		{Account: ledger.Clearing("1900000001"), AmountFen: -amount},
	}}
}

func verified(t *testing.T, l mysql.Ledger) {
	t.Helper()
	v, err := l.Verify(context.Background())
	if err != nil || len(v) != 0 {
		t.Fatalf("ledger verifier: %v %+v", err, v)
	}
}

func balance(t *testing.T, l mysql.Ledger, a ledger.Account) int64 {
	t.Helper()
	b, err := l.Balance(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLedgerPostIdempotentAndBalanced(t *testing.T) {
	db := mysqltest.New(t)
	l := mysql.Ledger{DB: db.DB}
	ctx, now := context.Background(), time.Now().UTC()
	p, err := l.Post(ctx, disbursementPost("disb:1:1", 1, 100000), now)
	if err != nil || p.Existing {
		t.Fatal(p, err)
	}
	again, err := l.Post(ctx, disbursementPost("disb:1:1", 1, 100000), now)
	if err != nil || !again.Existing {
		t.Fatalf("replay: %+v %v", again, err)
	}
	if _, err := l.Post(ctx, disbursementPost("disb:1:1", 1, 99999), now); apierr.CodeOf(err) != apierr.Conflict {
		t.Fatalf("same key, other content: %v", err)
	}
	if b := balance(t, l, ledger.LoanAccount(1, ledger.Principal)); b != 100000 {
		t.Fatalf("principal receivable %d", b)
	}
	if b := balance(t, l, ledger.Clearing("1900000001")); b != -100000 {
		t.Fatalf("clearing %d", b)
	}
	verified(t, l)
	if _, err := l.Post(ctx, ledger.Reversal(disbursementPost("disb:1:1", 1, 100000), "rev:disb:1:1"), now); err != nil {
		t.Fatal(err)
	}
	if b := balance(t, l, ledger.LoanAccount(1, ledger.Principal)); b != 0 {
		t.Fatalf("after reversal %d", b)
	}
	verified(t, l)
}

func TestLedgerRefusesBadTransactions(t *testing.T) {
	db := mysqltest.New(t)
	l := mysql.Ledger{DB: db.DB}
	ctx, now := context.Background(), time.Now().UTC()
	loan := ledger.LoanAccount(7, ledger.Principal)
	bad := []ledger.Transaction{
		{Key: "a", Kind: "x", Entries: []ledger.Entry{ledger.Debit(loan, 100), ledger.Debit(ledger.InterestIncome, -99)}},
		{Key: "b", Kind: "x", Entries: []ledger.Entry{ledger.Debit(loan, 100)}},
		{Key: "c", Kind: "x", Entries: []ledger.Entry{ledger.Debit(loan, 0), ledger.Debit(ledger.InterestIncome, 0)}},
		{Key: "", Kind: "x", Entries: []ledger.Entry{ledger.Debit(loan, 1), ledger.Debit(ledger.InterestIncome, -1)}},
		{Key: "e", Kind: "", Entries: []ledger.Entry{ledger.Debit(loan, 1), ledger.Debit(ledger.InterestIncome, -1)}},
		{Key: "f", Kind: "x", Entries: []ledger.Entry{ledger.Debit("cash:drawer", 1), ledger.Debit(ledger.InterestIncome, -1)}},
		{Key: "g", Kind: "x", Entries: []ledger.Entry{ledger.Debit("loan:0:principal", 1), ledger.Debit(ledger.InterestIncome, -1)}},
		{Key: "h", Kind: "x", Entries: []ledger.Entry{ledger.Debit("loan:5:cash", 1), ledger.Debit(ledger.InterestIncome, -1)}},
		{Key: "i", Kind: "x", Entries: []ledger.Entry{ledger.Debit(loan, 1<<62), ledger.Debit(loan, 1<<62), ledger.Debit(ledger.InterestIncome, -(1 << 62)), ledger.Debit(ledger.InterestIncome, -(1 << 62))}},
	}
	for _, tx := range bad {
		// Postings are built by our code: a bad one is a bug, never the
		// caller's invalid input, and the client sees none of its detail.
		_, err := l.Post(ctx, tx, now)
		if apierr.CodeOf(err) != apierr.Internal || apierr.Public(err).Message != "internal error" {
			t.Errorf("%+v: %v", tx, err)
		}
	}
	var n int
	_ = db.QueryRow("SELECT COUNT(*) FROM ledger_transactions").Scan(&n)
	if n != 0 {
		t.Fatalf("refused transactions wrote %d rows", n)
	}
}

func TestLedgerEntriesAreImmutableAndTamperingIsFound(t *testing.T) {
	db := mysqltest.New(t)
	l := mysql.Ledger{DB: db.DB}
	if _, err := l.Post(context.Background(), disbursementPost("d", 3, 5000), time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE ledger_entries SET amount_fen = 1"); err == nil {
		t.Fatal("an entry was edited")
	}
	if _, err := db.Exec("DELETE FROM ledger_entries"); err == nil {
		t.Fatal("an entry was deleted")
	}
	verified(t, l)
	// A row slipped in behind the ledger's back is found.
	if _, err := db.Exec("INSERT INTO ledger_entries (tx_id, account_id, amount_fen, created_at) SELECT id, 1, 7, NOW() FROM ledger_transactions LIMIT 1"); err != nil {
		t.Fatal(err)
	}
	v, err := l.Verify(context.Background())
	if err != nil || len(v) < 2 {
		t.Fatalf("tampering not found: %+v %v", v, err)
	}
}

func TestLedgerConcurrentPosts(t *testing.T) {
	db := mysqltest.New(t)
	l := mysql.Ledger{DB: db.DB}
	ctx := context.Background()
	var wg sync.WaitGroup
	var failed atomic.Int32
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				loan := int64(w*100 + i + 1)
				// every transaction touches the hot clearing and income accounts
				tx := ledger.Transaction{Key: fmt.Sprintf("repay:%d", loan), Kind: "repayment", Entries: []ledger.Entry{
					ledger.Debit(ledger.Clearing("1900000001"), 1100),
					ledger.Debit(ledger.LoanAccount(loan, ledger.Principal), -1000),
					ledger.Debit(ledger.InterestIncome, -100),
				}}
				if _, err := l.Post(ctx, tx, time.Now().UTC()); err != nil {
					failed.Add(1)
					t.Error(err)
				}
				_, _ = l.Post(ctx, tx, time.Now().UTC()) // a duplicate delivery
			}
		}(w)
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatal("posts failed")
	}
	if b := balance(t, l, ledger.Clearing("1900000001")); b != 16*25*1100 {
		t.Fatalf("clearing %d", b)
	}
	if b := balance(t, l, ledger.InterestIncome); b != -16*25*100 {
		t.Fatalf("interest income %d", b)
	}
	verified(t, l)
	// The hot accounts' balances live in shards, a loan's in its own row.
	var shards, loanShards, hotOwn int
	_ = db.QueryRow(`SELECT COUNT(*) FROM ledger_balance_shards s JOIN ledger_accounts a ON a.id = s.account_id WHERE a.code = ?`,
		string(ledger.Clearing("1900000001"))).Scan(&shards)
	_ = db.QueryRow(`SELECT COUNT(*) FROM ledger_balance_shards s JOIN ledger_accounts a ON a.id = s.account_id WHERE a.code LIKE 'loan:%'`).Scan(&loanShards)
	_ = db.QueryRow(`SELECT COUNT(*) FROM ledger_accounts WHERE code NOT LIKE 'loan:%' AND balance_fen <> 0`).Scan(&hotOwn)
	if shards < 2 || shards > mysql.BalanceShards || loanShards != 0 || hotOwn != 0 {
		t.Fatalf("clearing in %d shards, %d loan shards, %d hot accounts with their own balance", shards, loanShards, hotOwn)
	}
}

// The verifier proves the sharded balances: a shard changed behind the
// ledger's back, or a shard of no account, is found; a hot balance split
// between its own row and its shards (as migration 0017 leaves an old
// book) is a balance like any other.
func TestLedgerVerifierProvesShards(t *testing.T) {
	db := mysqltest.New(t)
	l := mysql.Ledger{DB: db.DB}
	ctx := context.Background()
	for i := int64(1); i <= 40; i++ {
		if _, err := l.Post(ctx, disbursementPost(fmt.Sprint("d", i), i, 1000), time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
	clearing := string(ledger.Clearing("1900000001"))
	if _, err := db.Exec(`UPDATE ledger_accounts SET balance_fen = balance_fen - 700 WHERE code = ?`, clearing); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE ledger_balance_shards SET balance_fen = balance_fen + 700
		WHERE account_id = (SELECT id FROM ledger_accounts WHERE code = ?) ORDER BY shard LIMIT 1`, clearing); err != nil {
		t.Fatal(err)
	}
	verified(t, l)
	if b := balance(t, l, ledger.Clearing("1900000001")); b != -40000 {
		t.Fatalf("clearing %d", b)
	}
	kinds := func() map[string]int {
		v, err := l.Verify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, x := range v {
			out[x.Kind]++
		}
		return out
	}
	if _, err := db.Exec(`INSERT INTO ledger_balance_shards (account_id, shard, balance_fen) SELECT id, 5, 1 FROM ledger_accounts WHERE code = ?
		ON DUPLICATE KEY UPDATE balance_fen = ledger_balance_shards.balance_fen + 1`, clearing); err != nil {
		t.Fatal(err)
	}
	if k := kinds(); k["balance_mismatch"] != 1 || k["book_not_zero"] != 1 {
		t.Fatalf("a shard moved by one fen: %v", k)
	}
	if _, err := db.Exec(`INSERT INTO ledger_balance_shards (account_id, shard, balance_fen) VALUES (999999, 0, -1)`); err != nil {
		t.Fatal(err)
	}
	if k := kinds(); k["orphan_shard"] != 1 || k["book_not_zero"] != 0 {
		t.Fatalf("a shard of no account: %v", k)
	}
}

// An account a rolled-back post created is gone with it, and never
// cached: the next post creates it again.
func TestLedgerAccountsRollBackWithTheirPost(t *testing.T) {
	db := mysqltest.New(t)
	faulty, faults := db.WithFaults(t)
	ctx, now := context.Background(), time.Now().UTC()
	faults.FailCommits(mysql.MaxTxAttempts)
	if _, err := (mysql.Ledger{DB: faulty}).Post(ctx, disbursementPost("disb:9:1", 9, 500), now); apierr.CodeOf(err) != apierr.Unavailable {
		t.Fatalf("post with every commit failing: %v", err)
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM ledger_accounts`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d accounts left by rolled-back posts (%v)", n, err)
	}
	l := mysql.Ledger{DB: faulty}
	if _, err := l.Post(ctx, disbursementPost("disb:9:1", 9, 500), now); err != nil {
		t.Fatal(err)
	}
	if b := balance(t, l, ledger.LoanAccount(9, ledger.Principal)); b != 500 {
		t.Fatalf("principal receivable %d", b)
	}
	verified(t, l)
}

// A posting to existing accounts is one statement batch and a commit (plus
// START TRANSACTION): the transaction row, its entries and every balance
// go to the server together. Both shapes: with a loan's own balance row
// and with hot accounts only.
func TestLedgerPostIsOneRoundTrip(t *testing.T) {
	db := mysqltest.New(t)
	pool, counts, err := mysqltest.OpenCounting(context.Background(), db.DSN, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	l := mysql.Ledger{DB: pool}
	ctx, now := context.Background(), time.Now().UTC()
	hotOnly := func(key string) ledger.Transaction {
		return ledger.Transaction{Key: key, Kind: "transfer", Entries: []ledger.Entry{
			ledger.Debit(ledger.Clearing("1900000001"), 300), ledger.Credit(ledger.Suspense, 300)}}
	}
	for i, mk := range []func(string) ledger.Transaction{
		func(key string) ledger.Transaction { return disbursementPost(key, 7, 500) }, hotOnly,
	} {
		if _, err := l.Post(ctx, mk(fmt.Sprintf("first:%d", i)), now); err != nil { // makes the accounts
			t.Fatal(err)
		}
		before := counts.Read()
		p, err := l.Post(ctx, mk(fmt.Sprintf("second:%d", i)), now)
		if err != nil || p.Existing {
			t.Fatal(p, err)
		}
		if got := counts.Read().Sub(before); got != (mysqltest.Snapshot{Statements: 1, Commits: 1}) {
			t.Fatalf("a posting sent %+v", got)
		}
	}
	if b := balance(t, l, ledger.Clearing("1900000001")); b != 2*(300-500) {
		t.Fatalf("clearing %d", b)
	}
	if b := balance(t, l, ledger.LoanAccount(7, ledger.Principal)); b != 2*500 {
		t.Fatalf("principal %d", b)
	}
	verified(t, l)
}

// A loan account the batch's UPDATE does not find (a wrong cached id) fails
// the posting, and nothing of it stays: the row count checked is the
// batch's last statement's, the loan balances' UPDATE.
func TestLedgerPostRefusesAMissingLoanAccount(t *testing.T) {
	db := mysqltest.New(t)
	l := mysql.Ledger{DB: db.DB}
	ctx, now := context.Background(), time.Now().UTC()
	if _, err := l.Post(ctx, disbursementPost("disb:1", 1, 500), now); err != nil {
		t.Fatal(err)
	}
	mysql.CacheAccountID(db.DB, ledger.LoanAccount(2, ledger.Principal), 999999)
	if _, err := l.Post(ctx, disbursementPost("disb:2", 2, 700), now); err == nil {
		t.Fatal("a posting to an account that is not there went through")
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM ledger_transactions WHERE idem_key = 'disb:2'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d transactions left behind (%v)", n, err)
	}
	if b := balance(t, l, ledger.Clearing("1900000001")); b != -500 {
		t.Fatalf("clearing %d", b)
	}
	verified(t, l)
}
