package pii

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

// KeyService is the KMS: data keys for envelope encryption. The production
// implementation is tcloud.KMS (Tencent Cloud KMS); piitest.KMS is the fake.
type KeyService interface {
	// GenerateDataKey returns a fresh 32-byte data key and its ciphertext
	// blob, wrapped by master key keyID and bound to encryptionContext.
	GenerateDataKey(ctx context.Context, keyID string, encryptionContext string) (plaintext, blob []byte, err error)
	// Decrypt unwraps a blob made by GenerateDataKey (under any master key
	// the KMS still holds) given the same encryptionContext.
	Decrypt(ctx context.Context, blob []byte, encryptionContext string) ([]byte, error)
}

// Algorithm is the AEAD a Vault encrypts new data with.
type Algorithm string

// The two supported algorithms. SM4-GCM is the national-standard choice
// (GB/T 32907) for deployments that must use 商用密码; AES-256-GCM is the
// default elsewhere. Both use 12-byte random nonces and 16-byte tags.
const (
	AES256GCM Algorithm = "AES-256-GCM"
	SM4GCM    Algorithm = "SM4-GCM"
)

// Errors of Encrypt and Decrypt. They are plain errors, not *apierr.Error,
// so at the edge they become `internal`: a client is never told why a stored
// value could not be read. None of them carries plaintext or key material.
var (
	ErrMalformedToken    = errors.New("pii: malformed ciphertext token")
	ErrUnknownAlgorithm  = errors.New("pii: unknown ciphertext algorithm")
	ErrWrongField        = errors.New("pii: ciphertext belongs to another field")
	ErrTampered          = errors.New("pii: ciphertext failed authentication")
	ErrKeyService        = errors.New("pii: key service failed")
	ErrInvalidField      = errors.New("pii: field name must be 1-128 printable ASCII characters")
	ErrPlaintextTooLarge = errors.New("pii: plaintext too large")
)

// maxDataKeyUses retires a data key long before random 96-bit nonces
// approach the GCM limit of 2^32 messages per key. A variable only so that
// a test can lower it.
var maxDataKeyUses uint64 = 1 << 28

const (
	dataKeyBytes = 32
	// DefaultCacheEntries bounds the unwrapped data keys a Vault keeps.
	DefaultCacheEntries = 256
	maxCacheEntries     = 1 << 16
)

// sm4KDFInfo labels the SM4 key derivation; changing it would make every
// SM4 token unreadable, hence the version in it.
const sm4KDFInfo = "wxlend-pii/v1 SM4-GCM data key"

// algorithm is one entry of the closed list of AEADs a token may name.
type algorithm struct {
	name Algorithm
	code string // in tokens
	aead func(dataKey []byte) (cipher.AEAD, error)
}

var algorithms = [...]algorithm{
	{AES256GCM, "A256GCM", newAESGCM},
	{SM4GCM, "SM4GCM", newSM4GCM},
}

func algorithmByName(n Algorithm) *algorithm {
	for i := range algorithms {
		if algorithms[i].name == n {
			return &algorithms[i]
		}
	}
	return nil
}

func algorithmByCode(c string) *algorithm {
	for i := range algorithms {
		if algorithms[i].code == c {
			return &algorithms[i]
		}
	}
	return nil
}

func newAESGCM(dataKey []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(dataKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// newSM4GCM derives SM4's 16-byte key from the 32-byte data key with
// HKDF-SM3 rather than truncating it: the derivation stays within the SM
// suite, uses all of the key's entropy, and keeps the SM4 key independent of
// any other use of the same bytes.
func newSM4GCM(dataKey []byte) (cipher.AEAD, error) {
	k, err := hkdf.Key(sm3.New, dataKey, nil, sm4KDFInfo, 16)
	if err != nil {
		return nil, err
	}
	b, err := sm4.NewCipher(k)
	clear(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// VaultConfig configures a Vault; it is read once per cold start.
type VaultConfig struct {
	Keys KeyService
	// KeyID is the current KMS master key: new data keys are made under
	// it. Rotating is changing it; old tokens keep decrypting as long as
	// the KMS keeps the old master key enabled.
	KeyID string
	// Algorithm for new data; tokens of either algorithm always decrypt.
	Algorithm Algorithm
	// EncryptionContext is passed to every KMS call and binds the wrapped
	// data keys to this use. Tencent KMS requires it to be a JSON string,
	// e.g. {"app":"wxlend","use":"pii"}. Changing it makes old tokens
	// unreadable.
	EncryptionContext string
	// CacheEntries bounds the cache of unwrapped data keys (default 256).
	CacheEntries int
}

// dataKey is the data key that new tokens are sealed with.
type dataKey struct {
	alg        *algorithm
	headerTail string // "<key id>.<blob>", base64url
	aead       cipher.AEAD
	uses       atomic.Uint64
}

// Vault encrypts and decrypts PII fields with envelope encryption. It is
// safe for concurrent use and meant to be built once per cold start.
type Vault struct {
	keys      KeyService
	keyID     string
	alg       *algorithm
	ec        string
	genLock   chan struct{} // one GenerateDataKey at a time; honours ctx
	current   atomic.Pointer[dataKey]
	unwrapped *keyCache
}

// NewVault checks cfg and returns a Vault. No KMS call is made until the
// first Encrypt or Decrypt, so a cold start that only reads costs no
// GenerateDataKey.
func NewVault(cfg VaultConfig) (*Vault, error) {
	alg := algorithmByName(cfg.Algorithm)
	switch {
	case cfg.Keys == nil:
		return nil, errors.New("pii: vault needs a KeyService")
	case cfg.KeyID == "" || len(cfg.KeyID) > maxKeyIDBytes:
		return nil, errors.New("pii: vault needs a KMS key id of at most 256 bytes")
	case alg == nil:
		return nil, fmt.Errorf("pii: unknown algorithm %q (want %q or %q)", cfg.Algorithm, AES256GCM, SM4GCM)
	case cfg.EncryptionContext == "":
		return nil, errors.New("pii: vault needs an encryption context")
	case cfg.CacheEntries < 0 || cfg.CacheEntries > maxCacheEntries:
		return nil, fmt.Errorf("pii: cache entries must be 0-%d", maxCacheEntries)
	}
	n := cfg.CacheEntries
	if n == 0 {
		n = DefaultCacheEntries
	}
	return &Vault{
		keys:      cfg.Keys,
		keyID:     cfg.KeyID,
		alg:       alg,
		ec:        cfg.EncryptionContext,
		genLock:   make(chan struct{}, 1),
		unwrapped: newKeyCache(n),
	}, nil
}

// checkField accepts 1–128 printable ASCII bytes: field names are column
// names from code ("users.id_number"), never user input.
func checkField(field string) error {
	if field == "" || len(field) > maxFieldBytes {
		return ErrInvalidField
	}
	for i := 0; i < len(field); i++ {
		if field[i] < 0x21 || field[i] > 0x7e {
			return ErrInvalidField
		}
	}
	return nil
}

// cacheKey names an unwrapped data key; the key id is length-prefixed so
// that no (key id, blob) pair can alias another.
func cacheKey(alg *algorithm, keyID string, blob []byte) string {
	return alg.code + "\x00" + strconv.Itoa(len(keyID)) + ":" + keyID + string(blob)
}

// Encrypt seals plaintext for the column named field (e.g.
// "users.id_number") and returns a self-describing token (see the token
// format). The data key is generated once per Vault and reused, so only the
// first call after a cold start reaches the KMS. Errors: ErrInvalidField,
// ErrPlaintextTooLarge, ErrKeyService (wrapping the KMS error), or the
// context's error.
func (v *Vault) Encrypt(ctx context.Context, field, plaintext string) (string, error) {
	if err := checkField(field); err != nil {
		return "", err
	}
	if len(plaintext) > MaxPlaintextBytes {
		return "", ErrPlaintextTooLarge
	}
	dk, err := v.currentKey(ctx)
	if err != nil {
		return "", err
	}
	header := tokenVersion + "." + dk.alg.code + "." + fieldTag(field) + "." + dk.headerTail
	buf := make([]byte, nonceBytes, nonceBytes+len(plaintext)+tagBytes)
	rand.Read(buf) // never fails (crypto/rand aborts the process instead)
	sealed := dk.aead.Seal(buf, buf, []byte(plaintext), aad(header, field))
	return header + "." + b64.EncodeToString(sealed), nil
}

// currentKey is the data key for new tokens, generated on first use and again after
// maxDataKeyUses encryptions. genLock makes concurrent first calls share one
// GenerateDataKey; a caller whose context ends while waiting gives up.
func (v *Vault) currentKey(ctx context.Context) (*dataKey, error) {
	if dk := v.current.Load(); dk != nil && dk.uses.Add(1) <= maxDataKeyUses {
		return dk, nil
	}
	select {
	case v.genLock <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-v.genLock }()
	if dk := v.current.Load(); dk != nil && dk.uses.Add(1) <= maxDataKeyUses {
		return dk, nil // another caller generated it while we waited
	}
	plain, blob, err := v.keys.GenerateDataKey(ctx, v.keyID, v.ec)
	if err != nil {
		return nil, fmt.Errorf("%w: generate data key: %w", ErrKeyService, err)
	}
	if len(plain) != dataKeyBytes || len(blob) == 0 || len(blob) > maxBlobBytes {
		return nil, fmt.Errorf("%w: generate data key: want a %d-byte key and a blob of at most %d bytes",
			ErrKeyService, dataKeyBytes, maxBlobBytes)
	}
	aead, err := v.alg.aead(plain)
	clear(plain)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyService, err)
	}
	dk := &dataKey{
		alg:        v.alg,
		headerTail: b64.EncodeToString([]byte(v.keyID)) + "." + b64.EncodeToString(blob),
		aead:       aead,
	}
	dk.uses.Store(1)
	v.current.Store(dk)
	v.unwrapped.put(cacheKey(v.alg, v.keyID, blob), aead)
	return dk, nil
}

// Decrypt opens a token written by Encrypt for the same field, under any
// algorithm and any KMS key the KMS still holds. Each distinct wrapped data
// key costs one KMS Decrypt per process (then it is cached). Errors:
// ErrInvalidField, ErrMalformedToken, ErrUnknownAlgorithm, ErrWrongField
// (the token was written for another column), ErrTampered (authentication
// failed: modified token or a header spliced from another), ErrKeyService
// (wrapping the KMS error, including a KMS refusing a modified blob), or the
// context's error.
func (v *Vault) Decrypt(ctx context.Context, field, tok string) (string, error) {
	if err := checkField(field); err != nil {
		return "", err
	}
	t, err := parseToken(tok)
	if err != nil {
		return "", err
	}
	if t.fieldTag != fieldTag(field) {
		return "", ErrWrongField
	}
	aead, err := v.unwrapped.get(ctx, cacheKey(t.alg, t.keyID, t.blob), func(ctx context.Context) (cipher.AEAD, error) {
		return v.unwrap(ctx, t)
	})
	if err != nil {
		return "", err
	}
	plain, err := aead.Open(nil, t.sealed[:nonceBytes], t.sealed[nonceBytes:], aad(t.header, field))
	if err != nil {
		return "", ErrTampered
	}
	return string(plain), nil
}

// unwrap asks the KMS for the data key of t and builds its cipher.
func (v *Vault) unwrap(ctx context.Context, t token) (cipher.AEAD, error) {
	plain, err := v.keys.Decrypt(ctx, t.blob, v.ec)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: decrypt data key: %w", ErrKeyService, err)
	}
	defer clear(plain)
	if len(plain) != dataKeyBytes {
		return nil, fmt.Errorf("%w: decrypt data key: want %d bytes", ErrKeyService, dataKeyBytes)
	}
	aead, err := t.alg.aead(plain)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyService, err)
	}
	return aead, nil
}
