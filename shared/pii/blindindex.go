package pii

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
)

// BlindIndexBytes is the length of a blind index (a full HMAC-SHA256).
const BlindIndexBytes = sha256.Size

// blindIndexLabel versions the construction: a different label is a new
// index that must be rebuilt, never mixed with the old one.
const blindIndexLabel = "wxlend-pii/blind-index/v1"

// BlindIndex is the keyed equality index of a PII value: HMAC-SHA256 under
// key over a label, the length-prefixed field name and the value. It lets
// MySQL enforce "one account per ID number" with a UNIQUE index and find a
// user by phone without storing either in clear; the random-nonce
// ciphertexts cannot do that.
//
// The field is part of the MAC (length-prefixed, so "a"+"bc" and "ab"+"c"
// differ): the same number in two columns gets unrelated indexes, so one
// column's index cannot be joined against another's. The value must be
// normalized first — IDNumber.Plain (upper-case X), Phone.Plain and
// BankCard.Plain (digits only) — or equal values would not match.
//
// key must be a secret of at least 32 random bytes kept like the KMS data
// keys (e.g. a KMS-wrapped secret unwrapped at cold start): ID and phone
// numbers have so little entropy that anyone holding the key can recover
// them from the index by enumeration. A key shorter than 32 bytes still
// works (HMAC accepts any key) but is a configuration error.
func BlindIndex(key []byte, field, normalizedValue string) []byte {
	m := hmac.New(sha256.New, key)
	var n [4]byte
	m.Write([]byte(blindIndexLabel))
	binary.BigEndian.PutUint32(n[:], uint32(len(field)))
	m.Write(n[:])
	m.Write([]byte(field))
	m.Write([]byte(normalizedValue))
	return m.Sum(nil)
}
