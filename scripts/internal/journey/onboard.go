package journey

import (
	"github.com/wxlend/wxlend/shared/api/apitest"

	"context"
	"fmt"
	"net/http"
	"strings"
)

// Onboard takes a fresh borrower through login, the consents, phone,
// identity and liveness on the LOCAL stack (liveness is completed through
// the FaceID fake's /_local endpoint), as the mini-program would. phone is
// 11 digits; the fixtures of README decide the outcomes.
func Onboard(ctx context.Context, c *apitest.Client, user, name, idNumber, phone string) error {
	if resp, err := c.Login(ctx, user+"."+apitest.NewNonce()); err != nil || resp.Status != 200 {
		return fail("login", resp, err)
	}
	for _, code := range []string{"privacy_policy", "identity_verification", "biometric_processing", "credit_query_authorization", "financial_account"} {
		if resp, err := c.Post(ctx, "/v1/consents", map[string]any{"agreement": code, "version": 1}); err != nil || resp.Status != 200 {
			return fail("consent "+code, resp, err)
		}
	}
	if resp, err := c.Post(ctx, "/v1/auth/phone", map[string]string{"code": "phone:" + phone + "." + apitest.NewNonce()}); err != nil || resp.Status != 200 {
		return fail("phone", resp, err)
	}
	resp, err := c.Post(ctx, "/v1/kyc/identity", map[string]string{"name": name, "id_number": idNumber})
	if err != nil || resp.Status != 200 || !strings.Contains(string(resp.Body), `"verified"`) {
		return fail("identity", resp, err)
	}
	resp, err = c.Post(ctx, "/v1/kyc/liveness", map[string]any{})
	if err != nil || resp.Status != 200 {
		return fail("liveness start", resp, err)
	}
	var l struct {
		BizToken string `json:"biz_token"`
	}
	_ = resp.Decode(&l)
	r, err := http.Post(c.BaseURL+"/_local/faceid/"+l.BizToken+"?result=pass", "", nil)
	if err != nil || r.StatusCode != http.StatusNoContent {
		return fmt.Errorf("liveness: %v", err)
	}
	r.Body.Close()
	if resp, err = c.Get(ctx, "/v1/kyc/liveness-results/"+l.BizToken); err != nil || !strings.Contains(string(resp.Body), `"verified"`) {
		return fail("liveness result", resp, err)
	}
	return nil
}

func fail(step string, resp *apitest.Response, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	if resp == nil {
		return fmt.Errorf("%s: no response", step)
	}
	return fmt.Errorf("%s: %d %s", step, resp.Status, resp.Body)
}
