// Package piitest holds test helpers for package pii: an in-memory KMS that
// behaves like Tencent Cloud KMS's GenerateDataKey/Decrypt pair closely
// enough for envelope-encryption tests (several master keys, blobs bound to
// the encryption context, disabled keys, injected failures) and counts its
// calls so tests can assert that the Vault caches data keys.
package piitest

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"sync"
)

// Errors the fake returns, mirroring Tencent KMS's ResourceUnavailable.
// CmkNotFound, CmkDisabled and InvalidParameterValue.InvalidCiphertext.
var (
	ErrKeyNotFound       = errors.New("piitest kms: master key not found")
	ErrKeyDisabled       = errors.New("piitest kms: master key disabled")
	ErrInvalidCiphertext = errors.New("piitest kms: ciphertext or encryption context is wrong")
)

const blobMagic = "fkms1"

// KMS is the fake. It implements pii.KeyService and is safe for concurrent
// use. Master keys are random per KMS, so blobs of one KMS are garbage to
// another, as with two real accounts.
type KMS struct {
	mu            sync.Mutex
	masters       map[string]cipher.AEAD
	disabled      map[string]bool
	failNext      []error
	generateCalls int
	decryptCalls  int
}

// NewKMS returns a KMS holding a fresh master key for each id.
func NewKMS(keyIDs ...string) *KMS {
	k := &KMS{masters: map[string]cipher.AEAD{}, disabled: map[string]bool{}}
	for _, id := range keyIDs {
		k.AddKey(id)
	}
	return k
}

// AddKey creates master key id (a rotation's new key); an existing key is
// left as it is.
func (k *KMS) AddKey(id string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.masters[id]; ok {
		return
	}
	var m [32]byte
	rand.Read(m[:])
	b, _ := aes.NewCipher(m[:])
	k.masters[id], _ = cipher.NewGCM(b)
}

// DisableKey makes master key id refuse both operations, like a CMK
// disabled in the console.
func (k *KMS) DisableKey(id string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.disabled[id] = true
}

// FailNext makes the next call (of either kind) fail with err; calls queue.
func (k *KMS) FailNext(err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.failNext = append(k.failNext, err)
}

// GenerateDataKeyCalls is how many GenerateDataKey calls were made.
func (k *KMS) GenerateDataKeyCalls() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.generateCalls
}

// DecryptCalls is how many Decrypt calls were made.
func (k *KMS) DecryptCalls() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.decryptCalls
}

// master returns the usable master key id or an error; k.mu is held.
func (k *KMS) master(id string) (cipher.AEAD, error) {
	if n := len(k.failNext); n > 0 {
		err := k.failNext[0]
		k.failNext = k.failNext[1:]
		return nil, err
	}
	m, ok := k.masters[id]
	if !ok {
		return nil, ErrKeyNotFound
	}
	if k.disabled[id] {
		return nil, ErrKeyDisabled
	}
	return m, nil
}

// GenerateDataKey returns a random 32-byte key and its blob:
// "fkms1" ‖ len(id) ‖ id ‖ nonce ‖ AES-GCM(master, key, aad = context ‖ id).
func (k *KMS) GenerateDataKey(ctx context.Context, keyID, encryptionContext string) ([]byte, []byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.generateCalls++
	if len(keyID) == 0 || len(keyID) > 255 {
		return nil, nil, ErrKeyNotFound
	}
	m, err := k.master(keyID)
	if err != nil {
		return nil, nil, err
	}
	dk := make([]byte, 32)
	rand.Read(dk)
	blob := append([]byte(blobMagic), byte(len(keyID)))
	blob = append(blob, keyID...)
	nonce := make([]byte, m.NonceSize())
	rand.Read(nonce)
	blob = append(blob, nonce...)
	blob = m.Seal(blob, nonce, dk, []byte(encryptionContext+"\x00"+keyID))
	return dk, blob, nil
}

// Decrypt unwraps a blob made by GenerateDataKey under the same context.
func (k *KMS) Decrypt(ctx context.Context, blob []byte, encryptionContext string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.decryptCalls++
	rest, ok := cutMagic(blob)
	if !ok || len(rest) < 1 || len(rest) < 1+int(rest[0]) {
		return nil, ErrInvalidCiphertext
	}
	id := string(rest[1 : 1+int(rest[0])])
	rest = rest[1+int(rest[0]):]
	m, err := k.master(id)
	if errors.Is(err, ErrKeyNotFound) {
		return nil, ErrInvalidCiphertext
	}
	if err != nil {
		return nil, err
	}
	if len(rest) < m.NonceSize()+m.Overhead() {
		return nil, ErrInvalidCiphertext
	}
	ns := m.NonceSize()
	dk, err := m.Open(nil, rest[:ns], rest[ns:], []byte(encryptionContext+"\x00"+id))
	if err != nil {
		return nil, ErrInvalidCiphertext
	}
	return dk, nil
}

func cutMagic(b []byte) ([]byte, bool) {
	if len(b) < len(blobMagic) || string(b[:len(blobMagic)]) != blobMagic {
		return nil, false
	}
	return b[len(blobMagic):], true
}
