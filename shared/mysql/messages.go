package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/wxlend/wxlend/shared/lending"
)

// Messages stores reminders and notices (migration 0010) and the
// borrowers' subscribe-message authorisations.
type Messages struct{ DB *sql.DB }

// Message statuses. sending is claimed before the provider is called, so a
// notice is never sent twice; failed is retried by a later run.
const (
	MessageSending = "sending"
	MessageSent    = "sent"
	MessageFailed  = "failed"
	MessageGaveUp  = "gave_up"
)

// Notice is one notice's audit row. Recipient and Params are masked.
type Notice struct {
	ID           int64
	UserID       int64
	LoanID       int64
	Seq          int
	Kind         string
	Template     string
	Channel      string
	TemplateID   string
	Recipient    string
	Params       string
	Status       string
	Result       string
	Attempts     int
	BusinessDate string // YYYY-MM-DD, Asia/Shanghai
	SentAt       time.Time
}

// RepayingLoans lists loans being repaid (active, overdue) after afterID,
// in id order, at most limit: job-remind's cursor.
func (s Messages) RepayingLoans(ctx context.Context, afterID int64, limit int) ([]int64, error) {
	return queryList(ctx, s.DB, func(r interface{ Scan(...any) error }) (id int64, err error) { err = r.Scan(&id); return },
		`SELECT id FROM loans WHERE status IN ('active', 'overdue') AND id > ? ORDER BY id LIMIT ?`, afterID, limit)
}

// Contact is how a borrower can be reached: their own openid, and their
// phone (encrypted, and masked) only once their identity is verified with
// it.
type Contact struct {
	OpenID      string
	PhoneEnc    string
	PhoneMasked string
}

// Contact reads userID's contact.
func (s Messages) Contact(ctx context.Context, userID int64) (Contact, error) {
	var c Contact
	var enc, masked sql.NullString
	err := s.DB.QueryRowContext(ctx, `SELECT openid, CASE WHEN kyc_identity = 'verified' THEN phone_enc END,
		CASE WHEN kyc_identity = 'verified' THEN phone_masked END FROM users WHERE id = ?`, userID).Scan(&c.OpenID, &enc, &masked)
	c.PhoneEnc, c.PhoneMasked = enc.String, masked.String
	return c, err
}

// Subscribe records a wx.requestSubscribeMessage result of userID: each
// accepted template id allows one more message, a rejected one is counted.
func (s Messages) Subscribe(ctx context.Context, userID int64, results map[string]bool, now time.Time) error {
	return InTx(ctx, s.DB, now, func(tx *Tx) error {
		for id, ok := range results {
			acc, rej := 0, 1
			if ok {
				acc, rej = 1, 0
			}
			_, err := tx.exec(ctx, `INSERT INTO message_subscriptions (user_id, template_id, quota, accepted, rejected, updated_at) VALUES (?, ?, ?, ?, ?, ?)
				ON DUPLICATE KEY UPDATE quota = quota + VALUES(quota), accepted = accepted + VALUES(accepted), rejected = rejected + VALUES(rejected), updated_at = VALUES(updated_at)`,
				userID, id, acc, acc, rej, tx.now)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// Subscription is one template's authorisations of a borrower.
type Subscription struct {
	TemplateID                string
	Quota, Accepted, Rejected int
}

// Subscriptions lists userID's authorisations.
func (s Messages) Subscriptions(ctx context.Context, userID int64) ([]Subscription, error) {
	return queryList(ctx, s.DB, func(r interface{ Scan(...any) error }) (x Subscription, err error) {
		err = r.Scan(&x.TemplateID, &x.Quota, &x.Accepted, &x.Rejected)
		return
	}, `SELECT template_id, quota, accepted, rejected FROM message_subscriptions WHERE user_id = ? ORDER BY template_id`, userID)
}

// NoticeState is what a claim needs to decide: the notice's row (ID 0 when
// none yet) and how many messages userID was sent on the day.
type NoticeState struct {
	ID        int64
	Status    string
	Attempts  int
	SentToday int
}

// NoticeState locks userID (so the daily cap holds across concurrent runs)
// and reads the notice (loan, seq, kind) and the day's count of messages
// sent or being sent.
func (tx *Tx) NoticeState(ctx context.Context, userID, loanID int64, seq int, kind string, day lending.Date) (NoticeState, error) {
	var st NoticeState
	var one int
	if err := tx.queryRow(ctx, `SELECT 1 FROM users WHERE id = ? FOR UPDATE`, userID).Scan(&one); err != nil {
		return st, fmt.Errorf("lock user %d: %w", userID, err)
	}
	err := tx.queryRow(ctx, `SELECT id, status, attempts FROM messages WHERE loan_id = ? AND seq = ? AND kind = ? FOR UPDATE`, loanID, seq, kind).
		Scan(&st.ID, &st.Status, &st.Attempts)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return st, err
	}
	err = tx.queryRow(ctx, `SELECT COUNT(*) FROM messages WHERE user_id = ? AND business_date = ? AND status IN ('sending', 'sent')`, userID, day.String()).Scan(&st.SentToday)
	return st, err
}

// TakeQuota uses one of userID's subscriptions to templateID; false when
// there is none left.
func (tx *Tx) TakeQuota(ctx context.Context, userID int64, templateID string) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE message_subscriptions SET quota = quota - 1, updated_at = ? WHERE user_id = ? AND template_id = ? AND quota > 0`, tx.now, userID, templateID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ClaimMessage stores m as being sent before the provider is called: a new
// row when m.ID is 0, else the failed row m.ID, its attempts counted. A
// row another run claimed first is conflict (1062, or no row updated).
func (tx *Tx) ClaimMessage(ctx context.Context, m Notice, day lending.Date) (int64, error) {
	if m.ID == 0 {
		res, err := tx.exec(ctx, `INSERT INTO messages (user_id, loan_id, seq, kind, template, channel, template_id, recipient_masked, params_masked,
			status, attempts, business_date, sent_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'sending', 1, ?, ?, ?, ?)`,
			m.UserID, m.LoanID, m.Seq, m.Kind, m.Template, m.Channel, m.TemplateID, m.Recipient, m.Params, day.String(), tx.now, tx.now, tx.now)
		if err != nil {
			if IsDuplicate(err) {
				return 0, fmt.Errorf("claim notice: %w", errClaimLost)
			}
			return 0, err
		}
		return res.LastInsertId()
	}
	res, err := tx.exec(ctx, `UPDATE messages SET channel = ?, template_id = ?, recipient_masked = ?, params_masked = ?, status = 'sending',
		attempts = attempts + 1, business_date = ?, sent_at = ?, updated_at = ? WHERE id = ? AND status = 'failed'`,
		m.Channel, m.TemplateID, m.Recipient, m.Params, day.String(), tx.now, tx.now, m.ID)
	if err != nil {
		return 0, err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return 0, fmt.Errorf("claim message %d: %w", m.ID, errClaimLost)
	}
	return m.ID, nil
}

var errClaimLost = errors.New("claimed by another run")

// Quota changes a finished message makes to the WeChat subscription it used.
const (
	QuotaKeep   = iota
	QuotaRefund // the send failed before WeChat used the subscription
	QuotaClear  // WeChat says the user has none (43101)
)

// FinishMessage records the provider's answer to message id.
func (s Messages) FinishMessage(ctx context.Context, id int64, status, result string, quota int, now time.Time) error {
	return InTx(ctx, s.DB, now, func(tx *Tx) error {
		var userID int64
		var channel, templateID string
		if err := tx.queryRow(ctx, `SELECT user_id, channel, template_id FROM messages WHERE id = ? FOR UPDATE`, id).Scan(&userID, &channel, &templateID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE messages SET status = ?, result_code = ?, updated_at = ? WHERE id = ? AND status = 'sending'`, status, result, tx.now, id); err != nil {
			return err
		}
		switch quota {
		case QuotaRefund:
			_, err := tx.exec(ctx, `UPDATE message_subscriptions SET quota = quota + 1, updated_at = ? WHERE user_id = ? AND template_id = ?`, tx.now, userID, templateID)
			return err
		case QuotaClear:
			_, err := tx.exec(ctx, `UPDATE message_subscriptions SET quota = 0, updated_at = ? WHERE user_id = ? AND template_id = ?`, tx.now, userID, templateID)
			return err
		}
		return nil
	})
}

// List is the audit of messages, newest first: userID's, or everyone's
// when userID is 0; at most limit.
func (s Messages) List(ctx context.Context, userID int64, limit int) ([]Notice, error) {
	return queryList(ctx, s.DB, func(r interface{ Scan(...any) error }) (m Notice, err error) {
		err = r.Scan(&m.ID, &m.UserID, &m.LoanID, &m.Seq, &m.Kind, &m.Template, &m.Channel, &m.TemplateID, &m.Recipient, &m.Params,
			&m.Status, &m.Result, &m.Attempts, &m.BusinessDate, &m.SentAt)
		return
	}, `SELECT id, user_id, loan_id, seq, kind, template, channel, template_id, recipient_masked, params_masked, status, result_code,
		attempts, DATE_FORMAT(business_date, '%Y-%m-%d'), sent_at FROM messages WHERE (? = 0 OR user_id = ?) ORDER BY id DESC LIMIT ?`, userID, userID, limit)
}

// IsClaimLost reports that another run claimed the notice first.
func IsClaimLost(err error) bool { return errors.Is(err, errClaimLost) }
