package backoffice

import (
	"context"
	"time"

	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/pii"
)

// Export is a borrower's own personal data (PIPL Art. 45), in clear: it
// goes only to the borrower, over their signed session.
type Export struct {
	UserID      int64                       `json:"user_id"`
	OpenID      string                      `json:"openid"`
	Status      string                      `json:"status"`
	CreatedAt   time.Time                   `json:"created_at"`
	Phone       string                      `json:"phone"`
	Name        string                      `json:"name"`
	IDNumber    string                      `json:"id_number"`
	BankCards   []string                    `json:"bank_cards"`
	Records     map[string][]map[string]any `json:"records"`
	GeneratedAt time.Time                   `json:"generated_at"`
}

// ExportData gathers and decrypts userID's data.
func (s Service) ExportData(ctx context.Context, userID int64) (Export, error) {
	d, err := mysql.Rights{DB: s.A.DB}.Export(ctx, userID)
	if err != nil {
		return Export{}, err
	}
	out := Export{UserID: d.UserID, OpenID: d.OpenID, Status: d.Status, CreatedAt: d.CreatedAt, BankCards: []string{}, Records: d.Records,
		GeneratedAt: s.A.Wall.Now()}
	if err := s.open(ctx, []sealed{{pii.FieldPhone, d.PhoneEnc, &out.Phone}, {pii.FieldName, d.NameEnc, &out.Name},
		{pii.FieldIDNumber, d.IDNumberEnc, &out.IDNumber}}); err != nil {
		return Export{}, err
	}
	for _, c := range d.CardsEnc {
		card, err := s.A.Vault.Decrypt(ctx, pii.FieldCardNumber, c)
		if err != nil {
			return Export{}, err
		}
		out.BankCards = append(out.BankCards, card)
	}
	return out, nil
}

// CloseAccount closes userID's account (PIPL Art. 47) once every loan is
// settled: see mysql.CloseAccount for what is erased and kept, and why.
func (s Service) CloseAccount(ctx context.Context, userID int64, requestID string) (mysql.Closure, error) {
	var c mysql.Closure
	err := mysql.InTx(ctx, s.A.DB, s.A.Clock.Now(), func(tx *mysql.Tx) (err error) {
		c, err = tx.CloseAccount(ctx, userID, requestID)
		return err
	})
	return c, err
}
