package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/contract"
	"github.com/wxlend/wxlend/shared/evidence"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/monitor"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/outbox"
	"github.com/wxlend/wxlend/shared/scf"
	"github.com/wxlend/wxlend/shared/tcloud"
)

// NotifyESS is notify-ess (POST /notify/ess): Tencent e-sign flow events.
// The callback is authenticated by its HMAC and decrypted; a signed flow
// marks the contract signed, appends the signature to the evidence chain,
// moves the loan applied → signed and hands over to disbursement (outbox:
// disburse), all in one transaction and exactly once however often the
// event arrives. The raw body (it carries the signer's identity) is never
// logged.
//
// Answers: ESS takes 200 as "handled" (its callback docs: 返回状态码200表示
// 处理正常) and delivers anything else again, so 200 means done, including
// an authentic event for a flow wxlend does not know (logged, nothing
// done): no retry can make such a flow known, since wxlend records a flow
// before it hands out the signing link; it is a flow started outside
// wxlend on the same ESS application, or one lost to a concurrent signing
// request. 401 is a forged or stale callback, 400 an unreadable one or an
// authentic one whose user data names another contract than its flow's
// (nothing done, logged as an error), 500 a failure a redelivery can fix
// (the database).
func NotifyESS(a *app.App) http.Handler {
	count := monitor.Refusals{DB: a.DB, Log: a.Log}
	refused := func(r *http.Request, reason string) {
		count.Count(r.Context(), a.Clock.Now(), monitor.RouteESS, reason)
	}
	return Route("POST /notify/ess", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := scf.ReadBody(r)
		if err != nil {
			essAnswer(w, r, http.StatusBadRequest, "FAIL", "unreadable body")
			refused(r, "unreadable")
			return
		}
		headers := map[string]string{}
		for k := range r.Header {
			headers[k] = r.Header.Get(k)
		}
		ev, err := tcloud.ParseESSCallback(body, headers, tcloud.ESSCallbackKeys{Token: a.Cfg.ESSToken, AESKey: a.Cfg.ESSKey}, a.Wall.Now())
		if err != nil {
			a.Log.WarnContext(r.Context(), "ess callback refused", "error", err.Error())
			essAnswer(w, r, http.StatusUnauthorized, "FAIL", "callback refused")
			refused(r, essRefusal(err))
			return
		}
		if err := applyFlowEvent(r.Context(), a, ev); errors.Is(err, errFlowMismatch) {
			// Authentic but naming another contract than the flow's: no
			// redelivery can fix it, and it is worth a look (a leaked token,
			// or a flow crossed with another); nothing is done.
			a.Log.ErrorContext(r.Context(), "ess callback does not match its flow: refused", "flow_id", ev.FlowID, "msg_id", ev.MsgID, "error", err.Error())
			essAnswer(w, r, http.StatusBadRequest, "FAIL", "callback does not match its flow")
			refused(r, "flow_mismatch")
			return
		} else if err != nil {
			a.Log.ErrorContext(r.Context(), "ess callback failed", "flow_id", ev.FlowID, "error", err.Error())
			essAnswer(w, r, http.StatusInternalServerError, "FAIL", "try again")
			refused(r, "failed")
			return
		}
		essAnswer(w, r, http.StatusOK, "SUCCESS", "ok")
	}))
}

// essRefusal is the reason a refused ESS callback is counted under, from
// the class tcloud.ParseESSCallback gave it.
func essRefusal(err error) string {
	var ae *apierr.Error
	if !errors.As(err, &ae) {
		return "failed"
	}
	switch ae.Message {
	case "bad callback signature":
		return "bad_signature"
	case "stale or future callback":
		return "stale_timestamp"
	case "callback cannot be decrypted", "callback must be encrypted":
		return "decrypt"
	}
	switch ae.Code {
	case apierr.InvalidArgument:
		return "malformed"
	case apierr.Internal:
		return "unconfigured"
	}
	return string(ae.Code)
}

// errFlowMismatch: an authentic event whose user data names another
// contract than the one that holds its flow.
var errFlowMismatch = errors.New("ess callback does not match its flow")

func essAnswer(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	rid := scf.RequestID(r.Context())
	w.Header().Set("X-Request-Id", rid)
	scf.WriteJSON(w, status, map[string]string{"code": code, "message": msg, "request_id": rid})
}

func applyFlowEvent(ctx context.Context, a *app.App, ev contract.FlowEvent) error {
	if !ev.Status.Final() {
		return nil
	}
	c, err := mysql.Contracts{DB: a.DB}.ByFlow(ctx, ev.FlowID)
	if apierr.CodeOf(err) == apierr.NotFound {
		a.Log.WarnContext(ctx, "ess callback for an unknown flow: acknowledged, nothing done", "flow_id", ev.FlowID,
			"msg_id", ev.MsgID, "flow_status", string(ev.Status), "provider_status", ev.ProviderStatus, "from_wxlend", ev.UserData != "")
		return nil
	}
	if err != nil {
		return err
	}
	if ud := strings.TrimPrefix(ev.UserData, "wxlend:"); ud != "" && ud != fmt.Sprintf("contract:%d", c.ID) {
		return fmt.Errorf("flow %s: user data %q is not contract %d: %w", ev.FlowID, ud, c.ID, errFlowMismatch)
	}
	now := a.Clock.Now()
	handover := fmt.Sprintf("disburse:loan:%d", c.LoanID)
	err = mysql.InTx(ctx, a.DB, now, func(tx *mysql.Tx) error {
		won, err := tx.SetContractStatus(ctx, c.ID, string(ev.Status))
		if err != nil || !won || ev.Status != contract.SignSigned {
			return err
		}
		if _, err := tx.AppendEvidence(ctx, evidence.Signature, fmt.Sprintf("flow:%s", ev.FlowID), c.SHA256); err != nil {
			return err
		}
		err = tx.Transition(ctx, mysql.Transition{LoanID: c.LoanID, From: loan.Applied, To: loan.Signed,
			Reason: "contract_signed", Outbox: []mysql.Message{{Function: "disburse", Payload: map[string]int64{"loan_id": c.LoanID}, DedupeKey: handover}}})
		if apierr.CodeOf(err) == apierr.FailedPrecondition {
			// The loan left "applied" (cancelled) while the borrower signed:
			// the signature is recorded, nothing is disbursed.
			a.Log.WarnContext(ctx, "contract signed for a loan no longer applied", "loan_id", c.LoanID)
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	if ev.Status == contract.SignSigned {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		outbox.DispatchNow(dctx, a, handover)
	}
	return nil
}
