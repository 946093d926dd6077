package wxpay

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Bill types of TradeBill and account types of FundFlowBill.
const (
	BillAll     = "ALL"
	BillSuccess = "SUCCESS"
	BillRefund  = "REFUND"

	AccountBasic     = "BASIC"     // payments in, refunds out
	AccountOperation = "OPERATION" // transfers out (运营账户)
	AccountFees      = "FEES"
)

// MaxBillBytes bounds a downloaded (uncompressed) bill file.
const MaxBillBytes = 256 << 20

type billAnswer struct {
	HashType    string `json:"hash_type"`
	HashValue   string `json:"hash_value"`
	DownloadURL string `json:"download_url"`
}

// MaxBillStreamBytes bounds a streamed bill once uncompressed (a bill
// larger than this, or a gzip bomb, is refused).
const MaxBillStreamBytes = 4 << 30

// TradeBill downloads the trade bill (交易账单) of date ("YYYY-MM-DD",
// Asia/Shanghai) and returns the verified CSV (at most MaxBillBytes; use
// StreamTradeBill for large bills); parse it with ParseTradeBill. Bills
// are generated from 09:00 the next day (ErrBillNotReady before). A day
// with no statement is an *Error matching ErrNotFound; a file whose SHA-1
// does not match is Retryable (CodeBillHash).
func (c *Client) TradeBill(ctx context.Context, date, billType string) ([]byte, error) {
	return collect(func(fn func(io.Reader) error) error { return c.StreamTradeBill(ctx, date, billType, fn) })
}

// FundFlowBill downloads the fund flow bill (资金账单) of date for an
// account type (BASIC, OPERATION, FEES) and returns the verified CSV; parse
// it with ParseFundFlowBill. Errors as TradeBill.
func (c *Client) FundFlowBill(ctx context.Context, date, accountType string) ([]byte, error) {
	return collect(func(fn func(io.Reader) error) error { return c.StreamFundFlowBill(ctx, date, accountType, fn) })
}

// StreamTradeBill downloads the trade bill of date and hands fn the
// uncompressed file as it arrives, so a bill of any size is read in
// bounded memory. Once fn returns nil the rest of the file is read and its
// SHA-1 checked: whatever fn built must stay uncommitted until
// StreamTradeBill returns nil. Errors as TradeBill; fn's error comes back
// as is.
func (c *Client) StreamTradeBill(ctx context.Context, date, billType string, fn func(io.Reader) error) error {
	const op = "bill.trade"
	if billType == "" {
		billType = BillAll
	}
	if err := checkDate(date); err != nil {
		return invalid(op, "%s", err)
	}
	q := url.Values{"bill_date": {date}, "bill_type": {billType}, "tar_type": {"GZIP"}}
	return c.bill(ctx, op, "/v3/bill/tradebill?"+q.Encode(), fn)
}

// StreamFundFlowBill is StreamTradeBill for the fund flow bill of an
// account type.
func (c *Client) StreamFundFlowBill(ctx context.Context, date, accountType string, fn func(io.Reader) error) error {
	const op = "bill.fundflow"
	if accountType == "" {
		accountType = AccountBasic
	}
	if err := checkDate(date); err != nil {
		return invalid(op, "%s", err)
	}
	q := url.Values{"bill_date": {date}, "account_type": {accountType}, "tar_type": {"GZIP"}}
	return c.bill(ctx, op, "/v3/bill/fundflowbill?"+q.Encode(), fn)
}

// collect reads a streamed bill into memory, bounded by MaxBillBytes.
func collect(stream func(func(io.Reader) error) error) ([]byte, error) {
	var data []byte
	err := stream(func(r io.Reader) error {
		var err error
		data, err = io.ReadAll(io.LimitReader(r, MaxBillBytes+1))
		if err == nil && len(data) > MaxBillBytes {
			err = errors.New("bill larger than MaxBillBytes")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return data, nil
}

func checkDate(d string) error {
	if _, err := time.Parse(time.DateOnly, d); err != nil {
		return fmt.Errorf("bill date %q is not YYYY-MM-DD", d)
	}
	return nil
}

// bill asks for a bill's download address, downloads it with a signed GET
// whose answer is not signed, gunzips it as it streams to fn and checks
// its SHA-1 (of the uncompressed file, as WeChat Pay computes it).
func (c *Client) bill(ctx context.Context, op, pathQuery string, fn func(io.Reader) error) error {
	var a billAnswer
	if err := c.call(ctx, op, http.MethodGet, pathQuery, nil, nil, &a); err != nil {
		return err
	}
	if !strings.EqualFold(a.HashType, "SHA1") || a.DownloadURL == "" {
		return &Error{Op: op, Code: CodeResponseInvalid, Message: "unexpected hash_type or no download_url", Retryable: true, kinds: []error{ErrUnknownOutcome}}
	}
	u, err := url.Parse(a.DownloadURL)
	if err != nil || !wechatPayHosts[u.Host] {
		return &Error{Op: op, Code: CodeResponseInvalid, Message: "download_url is not on WeChat Pay", kinds: []error{ErrConfiguration}}
	}
	dop := op + ".download"
	result, err := c.download.Request(ctx, http.MethodGet, a.DownloadURL, nil, nil, nil, "")
	if err != nil {
		return classify(dop, result, err)
	}
	defer result.Response.Body.Close()
	body, err := uncompressed(result.Response.Body)
	if err != nil {
		return readFailed(dop, err)
	}
	h := sha1.New()
	r := &boundedReader{r: io.TeeReader(body, h), left: MaxBillStreamBytes}
	if err := fn(r); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return readFailed(dop, err)
	}
	want, _ := hex.DecodeString(strings.ToLower(a.HashValue))
	if subtle.ConstantTimeCompare(h.Sum(nil), want) != 1 {
		return &Error{Op: dop, Code: CodeBillHash, Message: "SHA-1 of the bill does not match hash_value", Retryable: true}
	}
	return nil
}

func readFailed(op string, err error) error {
	return &Error{Op: op, Code: CodeUnknownOutcome, Message: "reading the bill failed", Retryable: true, kinds: []error{ErrUnknownOutcome}, cause: err}
}

// uncompressed is a gzip (or, tolerated, plain) bill file as it streams.
func uncompressed(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(2)
	if err != nil || magic[0] != 0x1f || magic[1] != 0x8b {
		return br, nil // empty, short or plain: the parser judges it
	}
	return gzip.NewReader(br)
}

// boundedReader fails once more than left bytes were read.
type boundedReader struct {
	r    io.Reader
	left int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errors.New("bill larger than MaxBillStreamBytes")
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}
