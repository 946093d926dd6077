// Package backoffice is the lender's staff side as use cases: staff
// sign-in (password + TOTP) and sessions, the audit trail, maker-checker
// proposals with their replay against current state and the rule-set
// impact, the risk review decision, and the borrower's data rights
// (export, close). HTTP lives in shared/admin (staff) and shared/api
// (borrowers); the rules in shared/staff.
package backoffice

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/staff"
)

// Actor is who does something, from where, in which request.
type Actor struct {
	staff.Member
	IP        string
	RequestID string
}

// Service is the back office over one App.
type Service struct{ A *app.App }

// Audit appends one entry for actor; outcome "ok" or the refusal's code.
// Audit failures are returned: an action that cannot be audited is not done.
func (s Service) Audit(ctx context.Context, who Actor, action, subject, reason string, outcome error, detail map[string]any) error {
	return mysql.Audit{DB: s.A.DB}.Append(ctx, s.entry(who, action, subject, reason, outcome, detail))
}

func (s Service) entry(who Actor, action, subject, reason string, outcome error, detail map[string]any) mysql.AuditEntry {
	return mysql.AuditEntry{At: s.A.Wall.Now(), ActorID: who.ID, Actor: who.Username, Role: string(who.Role), Action: action, Subject: subject,
		Outcome: outcomeOf(outcome), Reason: reason, ClientIP: who.IP, RequestID: who.RequestID, Detail: detail}
}

func outcomeOf(err error) string {
	if err == nil {
		return "ok"
	}
	var e *apierr.Error
	if errors.As(err, &e) && e.Reason != "" {
		return "refused:" + string(e.Code) + ":" + e.Reason
	}
	return "refused:" + string(apierr.CodeOf(err))
}

// Refuse audits a refused critical operation and returns the refusal:
// nothing changed, and the trail says who tried what.
func (s Service) Refuse(ctx context.Context, who Actor, action, subject, reason string, refusal error) error {
	if err := s.Audit(ctx, who, action, subject, reason, refusal, nil); err != nil {
		return err
	}
	return refusal
}

// Forbidden is the refusal of a role without permission p.
func Forbidden(p staff.Permission) error {
	return &apierr.Error{Code: apierr.Forbidden, Reason: "permission", Message: "your role does not have " + string(p)}
}

// Require returns Forbidden unless who's role holds p.
func Require(who Actor, p staff.Permission) error {
	if !who.Role.Can(p) {
		return Forbidden(p)
	}
	return nil
}

// written reports whether a reason or resolution was written: at least
// two characters besides spaces (two Chinese characters say something).
func written(s string) bool { return utf8.RuneCountInString(strings.TrimSpace(s)) >= 2 }

// now is the wall clock (security records); business changes take the
// business clock inside their transactions.
func (s Service) now() time.Time { return s.A.Wall.Now() }
