package tcloud

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"

	"github.com/wxlend/wxlend/shared/apierr"
)

// product is a Tencent Cloud API reached through the SDK's common client
// (generic request: the same TC3 signing and error parsing as a product
// module), for products whose module cannot be downloaded here.
type product struct {
	service, version, host string
	unavailable            string // the safe message of a failure
}

// callCommon sends action with params and decodes the answer's Response
// into out. Errors: apierr unavailable (transport, cloud error, bad JSON).
func callCommon(ctx context.Context, e Endpoint, cred *common.Credential, p product, action string, params map[string]any, out any) error {
	c := common.NewCommonClient(cred, e.Region, e.profile(p.host))
	c.WithHttpTransport(apiTransport)
	req := tchttp.NewCommonRequest(p.service, p.version, action)
	req.SetContext(ctx)
	if err := req.SetActionParameters(params); err != nil {
		return fmt.Errorf("%s %s: %w", p.service, action, err)
	}
	resp := tchttp.NewCommonResponse()
	if err := c.Send(req, resp); err != nil {
		return classify(p.service+" "+action, err)
	}
	var env struct{ Response json.RawMessage }
	if err := json.Unmarshal(resp.GetBody(), &env); err != nil {
		return apierr.Wrap(apierr.Unavailable, err, p.unavailable)
	}
	if err := json.Unmarshal(env.Response, out); err != nil {
		return apierr.Wrap(apierr.Unavailable, err, p.unavailable)
	}
	return nil
}
