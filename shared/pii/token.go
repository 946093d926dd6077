package pii

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Token format, version 1 (all parts base64url without padding except the
// fixed ones; '.' never occurs inside a part):
//
//	wx1.<alg>.<field tag>.<key id>.<wrapped data key>.<nonce ‖ ciphertext ‖ tag>
//
// alg is A256GCM or SM4GCM; the field tag is the first 6 bytes of
// SHA-256("wxlend-pii/field\x00" + field), there only so that a ciphertext
// copied into another column is reported as ErrWrongField rather than as
// tampering (the binding itself is the AAD); the key id names the KMS master
// key, for rotation bookkeeping; the wrapped data key is the KMS blob, so a
// token decrypts with nothing but the KMS. The AAD of the AEAD is the whole
// header (everything before the last '.') followed by a zero byte and the
// field name, so no part of the header can be swapped either.
//
// Size: about 30 + 4/3·(len(key id) + len(blob) + len(plaintext) + 28)
// characters. A Tencent KMS blob is a few hundred base64 characters, so an
// 18-character ID number makes a token of roughly 400–500 characters: store
// tokens in VARCHAR(1024) (or TEXT for long fields), ASCII charset.
const tokenVersion = "wx1"

// Limits on what a token may carry. Tencent KMS blobs are a few hundred
// bytes and key ids 36; PII fields are short. Anything larger is refused
// before any decoding or KMS call.
const (
	MaxPlaintextBytes = 4096
	maxKeyIDBytes     = 256
	maxBlobBytes      = 4096
	maxFieldBytes     = 128
	maxTokenBytes     = 16 * 1024
	nonceBytes        = 12
	tagBytes          = 16
	fieldTagBytes     = 6
)

// b64 is strict so that every byte string has exactly one encoding: a token
// that decrypts is then byte-for-byte the one that was written.
var b64 = base64.RawURLEncoding.Strict()

// fieldTag is the public tag of a field name (see the token format).
func fieldTag(field string) string {
	sum := sha256.Sum256([]byte("wxlend-pii/field\x00" + field))
	return b64.EncodeToString(sum[:fieldTagBytes])
}

// token is a parsed, decoded token.
type token struct {
	alg      *algorithm
	fieldTag string
	keyID    string
	blob     []byte
	sealed   []byte // nonce ‖ ciphertext ‖ tag
	header   string // the token up to the last '.', part of the AAD
}

// parseToken splits and decodes s; errors are ErrMalformedToken or
// ErrUnknownAlgorithm, and never quote s.
func parseToken(s string) (token, error) {
	if len(s) > maxTokenBytes {
		return token{}, ErrMalformedToken
	}
	parts := strings.SplitN(s, ".", 7)
	if len(parts) != 6 || parts[0] != tokenVersion {
		return token{}, ErrMalformedToken
	}
	alg := algorithmByCode(parts[1])
	if alg == nil {
		return token{}, ErrUnknownAlgorithm
	}
	kid, err1 := b64.DecodeString(parts[3])
	blob, err2 := b64.DecodeString(parts[4])
	sealed, err3 := b64.DecodeString(parts[5])
	switch {
	case err1 != nil || err2 != nil || err3 != nil,
		len(parts[2]) != 8,
		len(kid) == 0 || len(kid) > maxKeyIDBytes,
		len(blob) == 0 || len(blob) > maxBlobBytes,
		len(sealed) < nonceBytes+tagBytes || len(sealed) > nonceBytes+MaxPlaintextBytes+tagBytes:
		return token{}, ErrMalformedToken
	}
	return token{
		alg:      alg,
		fieldTag: parts[2],
		keyID:    string(kid),
		blob:     blob,
		sealed:   sealed,
		header:   s[:len(s)-len(parts[5])-1],
	}, nil
}

// tokenHeader is everything before the sealed part.
func tokenHeader(alg *algorithm, field, keyIDPart, blobPart string) string {
	return tokenVersion + "." + alg.code + "." + fieldTag(field) + "." + keyIDPart + "." + blobPart
}

// aad binds the header and the field name.
func aad(header, field string) []byte {
	b := make([]byte, 0, len(header)+1+len(field))
	b = append(b, header...)
	b = append(b, 0)
	return append(b, field...)
}

// TokenInfo is what a token says about itself without decrypting anything:
// enough for a re-encryption job to find rows still under an old KMS key.
type TokenInfo struct {
	Algorithm Algorithm
	KeyID     string
}

// InspectToken reads the algorithm and KMS key id of a token. It checks the
// token's shape only, not its authenticity (Decrypt does that). Errors are
// ErrMalformedToken or ErrUnknownAlgorithm.
func InspectToken(s string) (TokenInfo, error) {
	t, err := parseToken(s)
	if err != nil {
		return TokenInfo{}, err
	}
	return TokenInfo{Algorithm: t.alg.name, KeyID: t.keyID}, nil
}
