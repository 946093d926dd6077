package tcloudtest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
)

// KMS fixtures: keys named wxlend-pii-key-<anything> (and dev-<anything>)
// exist and are enabled; "wxlend-pii-disabled" exists but is disabled; any
// other id is not found. A key's master secret is derived from its id, so
// the fake is stateless and data encrypted in a local database stays
// readable across gateway restarts. Dev only.
func kmsKeyState(id string) string {
	switch {
	case id == "wxlend-pii-disabled":
		return "Disabled"
	case strings.HasPrefix(id, "wxlend-pii-key-"), strings.HasPrefix(id, "dev-"):
		return "Enabled"
	}
	return ""
}

func kmsMaster(id string) cipher.AEAD {
	k := sha256.Sum256([]byte("wxlend-dev-kms-master:" + id))
	b, _ := aes.NewCipher(k[:])
	g, _ := cipher.NewGCM(b)
	return g
}

// RegisterKMS adds GenerateDataKey and Decrypt (kms 2019-01-18).
func (s *Server) RegisterKMS() {
	s.Handle("kms", "GenerateDataKey", func(r *http.Request, body []byte) (any, *Error) {
		var p struct{ KeyId, KeySpec, EncryptionContext string }
		if err := json.Unmarshal(body, &p); err != nil || p.KeyId == "" {
			return nil, &Error{"InvalidParameter", "KeyId is required"}
		}
		if e := kmsUsable(p.KeyId); e != nil {
			return nil, e
		}
		if p.KeySpec != "AES_256" && p.KeySpec != "AES_128" {
			return nil, &Error{"InvalidParameterValue", "KeySpec must be AES_256 or AES_128"}
		}
		n := 32
		if p.KeySpec == "AES_128" {
			n = 16
		}
		dek := make([]byte, n)
		_, _ = rand.Read(dek)
		return map[string]string{"KeyId": p.KeyId, "Plaintext": base64.StdEncoding.EncodeToString(dek),
			"CiphertextBlob": kmsWrap(p.KeyId, dek, p.EncryptionContext)}, nil
	})
	s.Handle("kms", "Decrypt", func(r *http.Request, body []byte) (any, *Error) {
		var p struct{ CiphertextBlob, EncryptionContext string }
		if err := json.Unmarshal(body, &p); err != nil {
			return nil, &Error{"InvalidParameter", "bad request"}
		}
		id, plain, ok := kmsUnwrap(p.CiphertextBlob, p.EncryptionContext)
		if !ok {
			return nil, &Error{"InvalidParameterValue.InvalidCiphertext", "ciphertext or encryption context is wrong"}
		}
		if e := kmsUsable(id); e != nil {
			return nil, e
		}
		return map[string]string{"KeyId": id, "Plaintext": base64.StdEncoding.EncodeToString(plain)}, nil
	})
}

func kmsUsable(id string) *Error {
	switch kmsKeyState(id) {
	case "Enabled":
		return nil
	case "Disabled":
		return &Error{"ResourceUnavailable.CmkDisabled", "the CMK is disabled"}
	}
	return &Error{"ResourceUnavailable.CmkNotFound", "the CMK does not exist"}
}

// kmsWrap: base64(len(id) | id | nonce | AES-GCM(master(id), dek, aad=ctx)).
func kmsWrap(id string, dek []byte, ctx string) string {
	g := kmsMaster(id)
	nonce := make([]byte, g.NonceSize())
	_, _ = rand.Read(nonce)
	out := append([]byte{byte(len(id))}, id...)
	out = append(out, nonce...)
	return base64.StdEncoding.EncodeToString(g.Seal(out, nonce, dek, []byte(ctx)))
}

func kmsUnwrap(blob, ctx string) (string, []byte, bool) {
	b, err := base64.StdEncoding.DecodeString(blob)
	if err != nil || len(b) < 1 || len(b) < 1+int(b[0])+12 {
		return "", nil, false
	}
	id := string(b[1 : 1+int(b[0])])
	g := kmsMaster(id)
	rest := b[1+int(b[0]):]
	plain, err := g.Open(nil, rest[:g.NonceSize()], rest[g.NonceSize():], []byte(ctx))
	return id, plain, err == nil
}
