package api

import (
	"net/http"
	"slices"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/scf"
)

// maxSubscribeTemplates is wx.requestSubscribeMessage's limit per call.
const maxSubscribeTemplates = 3

// MessageSubscribe is message-subscribe (POST /v1/messages/subscriptions
// {template_ids, results}, signed): the mini-program reports what the
// borrower answered wx.requestSubscribeMessage. Each "accept" allows one
// reminder by subscribe message; "reject", "ban" and "filter" are counted.
// Only the session's own borrower is touched. Errors: invalid_argument for
// a template that is not one of ours (nothing is recorded), a result
// missing or not among template_ids, or an answer WeChat never gives.
func MessageSubscribe(a *app.App) http.Handler {
	return Route("POST /v1/messages/subscriptions", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			TemplateIDs []string          `json:"template_ids"`
			Results     map[string]string `json:"results"`
		}
		if err := scf.DecodeJSON(r, &in); err != nil {
			return err
		}
		results, err := subscribeResults(a, in.TemplateIDs, in.Results)
		if err != nil {
			return err
		}
		ctx := r.Context()
		userID := SessionFrom(ctx).UserID
		m := mysql.Messages{DB: a.DB}
		if err := m.Subscribe(ctx, userID, results, a.Clock.Now()); err != nil {
			return err
		}
		subs, err := m.Subscriptions(ctx, userID)
		if err != nil {
			return err
		}
		out := []map[string]any{}
		for _, s := range subs {
			out = append(out, map[string]any{"template_id": s.TemplateID, "remaining": s.Quota})
		}
		scf.WriteJSON(w, http.StatusOK, map[string]any{"subscriptions": out})
		return nil
	})))
}

// subscribeResults checks a report against our WeChat templates: accepted
// is true per template id.
func subscribeResults(a *app.App, ids []string, results map[string]string) (map[string]bool, error) {
	if len(ids) == 0 || len(ids) > maxSubscribeTemplates {
		return nil, apierr.Invalid("template_ids", "count", "template_ids must list 1 to 3 template ids")
	}
	var ours []string
	for _, id := range a.Cfg.Remind.WeChat {
		ours = append(ours, id)
	}
	out := map[string]bool{}
	for _, id := range ids {
		if !slices.Contains(ours, id) {
			return nil, apierr.Invalid("template_ids", "unknown_template", "not a message template of this service")
		}
		switch results[id] {
		case "accept":
			out[id] = true
		case "reject", "ban", "filter":
			out[id] = false
		default:
			return nil, apierr.Invalid("results", "format", "each template id needs a result: accept, reject, ban or filter")
		}
	}
	if len(results) != len(out) {
		return nil, apierr.Invalid("results", "format", "results must name only the template_ids")
	}
	return out, nil
}
