// Package tcloud holds the Tencent Cloud API adapters, all through
// tencentcloud-sdk-go (TC3 signing, error parsing) so the local fake in
// tcloudtest exercises the same code: SCF Invoke (invoke.Invoker), KMS data
// keys (pii.KeyService), FaceID two/three/four-factor checks and liveness
// (kyc.Verifier), and e-sign (ESS: upload, conversion, flows, signing links,
// flow statuses, and the verification of its callbacks). Credentials are the
// function's role (RoleCredential). SMS is not here yet.
package tcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	scfapi "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/scf/v20180416"

	"github.com/wxlend/wxlend/shared/apierr"
)

// Endpoint says where the Tencent Cloud API is: empty Host means the
// product's public endpoint (scf.tencentcloudapi.com); the local gateway
// sets "127.0.0.1:9000" with scheme HTTP.
type Endpoint struct {
	Host   string
	Scheme string // "HTTPS" (default) or "HTTP"
	Region string
}

// RoleCredential reads the SCF execution role's temporary credentials. They
// rotate, so they are read for every call rather than once per cold start.
func RoleCredential() *common.Credential {
	return common.NewTokenCredential(os.Getenv("TENCENTCLOUD_SECRETID"),
		os.Getenv("TENCENTCLOUD_SECRETKEY"), os.Getenv("TENCENTCLOUD_SESSIONTOKEN"))
}

func (e Endpoint) profile(defaultHost string) *profile.ClientProfile {
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = defaultHost
	if e.Host != "" {
		cpf.HttpProfile.Endpoint = e.Host
	}
	if e.Scheme != "" {
		cpf.HttpProfile.Scheme = e.Scheme
	}
	cpf.HttpProfile.ReqTimeout = 5
	cpf.NetworkFailureMaxRetries = 1
	return cpf
}

// SCFInvoker implements invoke.Invoker with SCF's Invoke API
// (InvocationType "Event": the platform queues the event and retries).
type SCFInvoker struct {
	Endpoint  Endpoint
	Namespace string
	Cred      func() *common.Credential
}

// InvokeAsync queues payload for function. Errors: unavailable when the API
// cannot be reached or refuses (the caller's own retry or sweeper re-drives).
func (s SCFInvoker) InvokeAsync(ctx context.Context, function string, payload any) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("invoke %s: encode payload: %w", function, err)
	}
	if len(body) > 128<<10 {
		return fmt.Errorf("invoke %s: payload %d bytes exceeds the 128 KB async limit", function, len(body))
	}
	c, err := scfapi.NewClient(s.Cred(), s.Endpoint.Region, s.Endpoint.profile("scf.tencentcloudapi.com"))
	if err != nil {
		return fmt.Errorf("invoke %s: %w", function, err)
	}
	c.WithHttpTransport(apiTransport)
	req := scfapi.NewInvokeRequest()
	req.FunctionName = common.StringPtr(function)
	req.InvocationType = common.StringPtr("Event")
	req.ClientContext = common.StringPtr(string(body))
	if s.Namespace != "" {
		req.Namespace = common.StringPtr(s.Namespace)
	}
	if _, err := c.InvokeWithContext(ctx, req); err != nil {
		return classify("invoke "+function, err)
	}
	return nil
}

// classify turns an SDK error into ours, keeping the detail for the log.
func classify(op string, err error) error {
	var sdkErr *tcerr.TencentCloudSDKError
	if ok := asSDK(err, &sdkErr); ok {
		return apierr.Wrap(apierr.Unavailable, fmt.Errorf("%s: %s: %s (request %s)", op, sdkErr.Code, sdkErr.Message, sdkErr.RequestId), "a cloud service is unavailable")
	}
	return apierr.Wrap(apierr.Unavailable, fmt.Errorf("%s: %w", op, err), "a cloud service is unavailable")
}

func asSDK(err error, target **tcerr.TencentCloudSDKError) bool {
	e, ok := err.(*tcerr.TencentCloudSDKError)
	if ok {
		*target = e
	}
	return ok
}
