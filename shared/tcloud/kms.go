package tcloud

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	kmsapi "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/kms/v20190118"
)

// KMS implements pii.KeyService with Tencent Cloud KMS: GenerateDataKey
// for envelope encryption, Decrypt to unwrap a stored data key.
type KMS struct {
	Endpoint Endpoint
	Cred     func() *common.Credential
}

func (k KMS) client() (*kmsapi.Client, error) {
	c, err := kmsapi.NewClient(k.Cred(), k.Endpoint.Region, k.Endpoint.profile("kms.tencentcloudapi.com"))
	if err != nil {
		return nil, err
	}
	c.WithHttpTransport(apiTransport)
	return c, nil
}

// GenerateDataKey returns a fresh 256-bit data key and its KMS ciphertext.
func (k KMS) GenerateDataKey(ctx context.Context, keyID, encryptionContext string) ([]byte, []byte, error) {
	c, err := k.client()
	if err != nil {
		return nil, nil, err
	}
	req := kmsapi.NewGenerateDataKeyRequest()
	req.KeyId = common.StringPtr(keyID)
	req.KeySpec = common.StringPtr("AES_256")
	if encryptionContext != "" {
		req.EncryptionContext = common.StringPtr(encryptionContext)
	}
	resp, err := c.GenerateDataKeyWithContext(ctx, req)
	if err != nil {
		return nil, nil, classify("kms GenerateDataKey", err)
	}
	if resp.Response.Plaintext == nil || resp.Response.CiphertextBlob == nil {
		return nil, nil, fmt.Errorf("kms GenerateDataKey: empty answer")
	}
	plain, err := base64.StdEncoding.DecodeString(*resp.Response.Plaintext)
	if err != nil || len(plain) != 32 {
		return nil, nil, fmt.Errorf("kms GenerateDataKey: bad plaintext key")
	}
	return plain, []byte(*resp.Response.CiphertextBlob), nil
}

// Decrypt unwraps a data key blob made by GenerateDataKey.
func (k KMS) Decrypt(ctx context.Context, blob []byte, encryptionContext string) ([]byte, error) {
	c, err := k.client()
	if err != nil {
		return nil, err
	}
	req := kmsapi.NewDecryptRequest()
	req.CiphertextBlob = common.StringPtr(string(blob))
	if encryptionContext != "" {
		req.EncryptionContext = common.StringPtr(encryptionContext)
	}
	resp, err := c.DecryptWithContext(ctx, req)
	if err != nil {
		return nil, classify("kms Decrypt", err)
	}
	if resp.Response.Plaintext == nil {
		return nil, fmt.Errorf("kms Decrypt: empty answer")
	}
	return base64.StdEncoding.DecodeString(*resp.Response.Plaintext)
}
