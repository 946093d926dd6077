package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/wxlend/wxlend/shared/clock"
	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/payments"
	"github.com/wxlend/wxlend/shared/recon"
	"github.com/wxlend/wxlend/shared/wxpay"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

// reconDay is the bill date the benchmark reconciles.
var reconDay = time.Date(2026, 11, 28, 0, 0, 0, 0, lending.Shanghai)

// benchRecon seeds n paid repayments on reconDay (and their clearing
// movement in the ledger) into a throw-away database, writes the matching
// n-line trade bill (gzip, WeChat Pay's format) to a file, then times (1)
// a parse-only pass over the file (gunzip, SHA-1, strict scan) and (2)
// shared/recon reconciling the same file against the database, each with
// its peak RSS (VmHWM, reset between the passes).
func benchRecon(n int) error {
	ctx := context.Background()
	db, _, done, err := scratchDB(ctx)
	if err != nil {
		return err
	}
	defer done()
	dir, err := os.MkdirTemp("", "wxlend-recon-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	t0 := time.Now()
	file := filepath.Join(dir, "tradebill.csv.gz")
	sum, err := writeTradeBill(file, n)
	if err != nil {
		return err
	}
	if err := seedRepayments(ctx, db, n); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("seeded %d paid repayments and wrote a %d-line trade bill in %.1f s\n", n, n, time.Since(t0).Seconds())

	src := fileSource{mch: wxpaytest.DevMchID, trade: file, sha1: sum}
	resetPeak()
	t1 := time.Now()
	lines := 0
	if err := src.StreamTradeBill(ctx, "", "", func(r io.Reader) error {
		_, err := wxpay.ScanTradeBillStrict(r, func(wxpay.TradeBillRow) error { lines++; return nil })
		return err
	}); err != nil {
		return err
	}
	parse := time.Since(t1)
	fmt.Printf("parse only: %d lines in %.2f s = %.0f lines/s, peak RSS %d MB\n", lines, parse.Seconds(), float64(lines)/parse.Seconds(), peakMB())

	client, err := wxpay.New(ctx, wxpaytest.DevConfig("http://127.0.0.1:1", "http://127.0.0.1:1")) // never called: every line matches
	if err != nil {
		return err
	}
	d := recon.Deps{Pay: payments.Deps{DB: db, Pay: client, Routes: []*wxpay.Client{client},
		Clock: clock.NewFixed(reconDay.Add(34*time.Hour + 30*time.Minute)), Log: slog.New(slog.DiscardHandler)}}
	resetPeak()
	t2 := time.Now()
	run, err := recon.ReconcileFrom(ctx, d, src, client, reconDay.Format(time.DateOnly))
	if err != nil {
		return err
	}
	took := time.Since(t2)
	fmt.Printf("reconcile:  %d lines in %.2f s = %.0f lines/s, peak RSS %d MB; matched %d, open breaks %d, unexplained %d fen\n",
		run.Lines, took.Seconds(), float64(run.Lines)/took.Seconds(), peakMB(), run.Matched, run.OpenBreaks, int64(run.UnexplainedFen))
	if run.Matched != int64(n) || run.OpenBreaks != 0 {
		return fmt.Errorf("a clean bill did not reconcile clean: %+v", run)
	}
	return nil
}

// benchAmount is the amount of repayment i (fen).
func benchAmount(i int) int64 { return 100 + int64(i%50_000) }

func benchTradeNo(i int) string { return fmt.Sprintf("P%015d", i) }

// writeTradeBill writes the n-line trade bill of reconDay (gzip) and
// returns the SHA-1 of the uncompressed file.
func writeTradeBill(path string, n int) (string, error) {
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	zw := gzip.NewWriter(f)
	h := sha1.New()
	w := bufio.NewWriterSize(io.MultiWriter(zw, h), 1<<16)
	w.WriteString(wxpaytest.TradeBillHeader + "\r\n")
	var total, fee int64
	at := reconDay.Add(10 * time.Hour).Format(time.DateTime)
	for i := range n {
		a := benchAmount(i)
		total, fee = total+a, fee+a*6
		fmt.Fprintf(w, "`%s,`%s,`%s,`0,`,`4200%016d,`%s,`oBench,`JSAPI,`SUCCESS,`OTHERS,`CNY,`%s,`0.00,`0,`0,`0.00,`0.00,`,`,`还款,`,`%s,`0.60%%,`%s,`0.00,`\r\n",
			at, wxpaytest.DevAppID, wxpaytest.DevMchID, i, benchTradeNo(i), yuan(a, 2), yuan(a*6, 5), yuan(a, 2))
	}
	fmt.Fprintf(w, "%s\r\n`%d,`%s,`0.00,`0.00,`%s,`%s,`0.00\r\n", wxpaytest.TradeBillSummaryHeader, n, yuan(total, 2), yuan(fee, 5), yuan(total, 2))
	if err := w.Flush(); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func yuan(v int64, scale int) string {
	s := strconv.FormatInt(v, 10)
	if len(s) <= scale {
		s = strings.Repeat("0", scale-len(s)+1) + s
	}
	return s[:len(s)-scale] + "." + s[len(s)-scale:]
}

// seedRepayments inserts n PAID repayments paid on reconDay, and their
// total as one clearing movement of the day in the ledger.
func seedRepayments(ctx context.Context, db *sql.DB, n int) error {
	const chunk = 5000
	paid := reconDay.Add(10 * time.Hour).UTC()
	var total int64
	for lo := 0; lo < n; lo += chunk {
		var b strings.Builder
		b.WriteString(`INSERT INTO repayments (loan_id, user_id, out_trade_no, kind, amount_fen, state, created_at, updated_at, paid_at) VALUES `)
		args := []any{}
		for i := lo; i < min(n, lo+chunk); i++ {
			if i > lo {
				b.WriteString(",")
			}
			b.WriteString("(1, 1, ?, 'due', ?, 'PAID', ?, ?, ?)")
			args = append(args, benchTradeNo(i), benchAmount(i), paid, paid, paid)
			total += benchAmount(i)
		}
		if _, err := db.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return mysql.InTx(ctx, db, paid, func(tx *mysql.Tx) error {
		_, err := tx.Post(ctx, ledger.Transaction{Key: "bench:repayments", Kind: "repayment", Entries: []ledger.Entry{
			{Account: ledger.Clearing(wxpaytest.DevMchID), AmountFen: money.Fen(total)},
			{Account: ledger.InterestIncome, AmountFen: money.Fen(-total)},
		}})
		return err
	})
}

// fileSource serves a trade bill file as the WeChat Pay client streams
// one (gunzip, SHA-1 checked after the stream); the fund-flow bills have
// no statement.
type fileSource struct{ mch, trade, sha1 string }

func (s fileSource) MchID() string { return s.mch }

func (s fileSource) StreamTradeBill(_ context.Context, _, _ string, fn func(io.Reader) error) error {
	f, err := os.Open(s.trade)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<16))
	if err != nil {
		return err
	}
	h := sha1.New()
	r := io.TeeReader(zr, h)
	if err := fn(r); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	if hex.EncodeToString(h.Sum(nil)) != s.sha1 {
		return fmt.Errorf("SHA-1 mismatch")
	}
	return nil
}

func (fileSource) StreamFundFlowBill(context.Context, string, string, func(io.Reader) error) error {
	return wxpay.ErrNotFound
}

// resetPeak resets the process's peak RSS (Linux: clear_refs 5).
func resetPeak() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakMB is the process's peak RSS since the last resetPeak (VmHWM).
func peakMB() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb / 1024
		}
	}
	return -1
}
