package wechat

import (
	"context"
	"net/url"
	"strconv"

	"github.com/wxlend/wxlend/shared/remind"
)

// SendSubscribe sends one mini-program subscribe message
// (subscribeMessage.send) to openid. errcode 0 is sent; 43101 (the user
// refused or has no subscription left) and other request errors are
// refusals; -1 (system busy) or no answer is worth a later retry.
func (c *Client) SendSubscribe(ctx context.Context, openid, templateID, page string, data []remind.Param) (remind.Result, error) {
	d := map[string]map[string]string{}
	for _, p := range data {
		d[p.Key] = map[string]string{"value": p.Value}
	}
	body := map[string]any{"touser": openid, "template_id": templateID, "page": page, "data": d, "miniprogram_state": "formal", "lang": "zh_CN"}
	for attempt := 0; attempt < 2; attempt++ {
		tok, err := c.accessToken(ctx, attempt > 0)
		if err != nil {
			return remind.Result{Outcome: remind.Retry, Code: "token"}, nil
		}
		var out apiError
		if err := c.post(ctx, "/cgi-bin/message/subscribe/send?access_token="+url.QueryEscape(tok), body, &out); err != nil {
			return remind.Result{Outcome: remind.Retry, Code: "network"}, nil
		}
		code := strconv.Itoa(out.ErrCode)
		switch out.ErrCode {
		case 40001, 42001:
			continue
		case 0:
			return remind.Result{Outcome: remind.Sent, Code: code}, nil
		case -1, 45009, 45011:
			return remind.Result{Outcome: remind.Retry, Code: code}, nil
		}
		return remind.Result{Outcome: remind.Refused, Code: code}, nil
	}
	return remind.Result{Outcome: remind.Retry, Code: "token"}, nil
}
