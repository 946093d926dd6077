package wxpay

import (
	"bytes"
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

// TradeBill downloads the trade bill (交易账单) of date ("YYYY-MM-DD",
// Asia/Shanghai) and returns the verified CSV; parse it with
// ParseTradeBill. Bills are ready after about 10:00 the next day. A day
// with no statement is an *Error matching ErrNotFound; a file whose SHA-1
// does not match is Retryable (CodeBillHash).
func (c *Client) TradeBill(ctx context.Context, date, billType string) ([]byte, error) {
	const op = "bill.trade"
	if billType == "" {
		billType = BillAll
	}
	if err := checkDate(date); err != nil {
		return nil, invalid(op, "%s", err)
	}
	q := url.Values{"bill_date": {date}, "bill_type": {billType}, "tar_type": {"GZIP"}}
	return c.bill(ctx, op, "/v3/bill/tradebill?"+q.Encode())
}

// FundFlowBill downloads the fund flow bill (资金账单) of date for an
// account type (BASIC, OPERATION, FEES) and returns the verified CSV; parse
// it with ParseFundFlowBill. Errors as TradeBill.
func (c *Client) FundFlowBill(ctx context.Context, date, accountType string) ([]byte, error) {
	const op = "bill.fundflow"
	if accountType == "" {
		accountType = AccountBasic
	}
	if err := checkDate(date); err != nil {
		return nil, invalid(op, "%s", err)
	}
	q := url.Values{"bill_date": {date}, "account_type": {accountType}, "tar_type": {"GZIP"}}
	return c.bill(ctx, op, "/v3/bill/fundflowbill?"+q.Encode())
}

func checkDate(d string) error {
	if _, err := time.Parse(time.DateOnly, d); err != nil {
		return fmt.Errorf("bill date %q is not YYYY-MM-DD", d)
	}
	return nil
}

// bill asks for a bill's download address, downloads it with a signed GET
// whose answer is not signed, gunzips it and checks its SHA-1 (of the
// uncompressed file, as WeChat Pay computes it).
func (c *Client) bill(ctx context.Context, op, pathQuery string) ([]byte, error) {
	var a billAnswer
	if err := c.call(ctx, op, http.MethodGet, pathQuery, nil, nil, &a); err != nil {
		return nil, err
	}
	if !strings.EqualFold(a.HashType, "SHA1") || a.DownloadURL == "" {
		return nil, &Error{Op: op, Code: CodeResponseInvalid, Message: "unexpected hash_type or no download_url", Retryable: true, kinds: []error{ErrUnknownOutcome}}
	}
	u, err := url.Parse(a.DownloadURL)
	if err != nil || !wechatPayHosts[u.Host] {
		return nil, &Error{Op: op, Code: CodeResponseInvalid, Message: "download_url is not on WeChat Pay", kinds: []error{ErrConfiguration}}
	}
	dop := op + ".download"
	result, err := c.download.Request(ctx, http.MethodGet, a.DownloadURL, nil, nil, nil, "")
	if err != nil {
		return nil, classify(dop, result, err)
	}
	defer result.Response.Body.Close()
	data, err := readBill(result.Response.Body)
	if err != nil {
		return nil, &Error{Op: dop, Code: CodeUnknownOutcome, Message: "reading the bill failed", Retryable: true, kinds: []error{ErrUnknownOutcome}, cause: err}
	}
	sum := sha1.Sum(data)
	want, _ := hex.DecodeString(strings.ToLower(a.HashValue))
	if subtle.ConstantTimeCompare(sum[:], want) != 1 {
		return nil, &Error{Op: dop, Code: CodeBillHash, Message: "SHA-1 of the bill does not match hash_value", Retryable: true}
	}
	return data, nil
}

// readBill reads a gzip (or, tolerated, plain) bill file, bounded by
// MaxBillBytes once uncompressed.
func readBill(r io.Reader) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxBillBytes+1))
	if err != nil {
		return nil, err
	}
	if len(raw) < 2 || raw[0] != 0x1f || raw[1] != 0x8b {
		if len(raw) > MaxBillBytes {
			return nil, errors.New("bill larger than MaxBillBytes")
		}
		return raw, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(zr, MaxBillBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxBillBytes {
		return nil, errors.New("bill larger than MaxBillBytes")
	}
	return data, nil
}
