// Package evidence is wxlend's append-only hash chain (存证): every consent,
// contract, signature, disbursement and settlement leaves a record holding
// the hash of its content, and every record holds the hash of the one
// before it. Editing, deleting or reordering any record afterwards breaks
// the chain at that record, and Verify says where and how (at the very end
// of the chain, only against an anchor: see Verifier.Head).
//
// Why a chain and not just stored hashes: a stored hash proves a document
// matches the row, but whoever can edit the row can edit the hash too. In a
// chain, changing one record means recomputing every later record; Verify
// plus an anchor kept elsewhere (the head hash written daily to the log
// service, an auditor's copy) make that visible. Head gives the anchor.
//
// The package is pure: it computes and checks, and storage is someone
// else's (the MySQL table `evidence`, seq unique, read back in seq order in
// bounded pages through the streaming Verifier). Appends must be
// serialized so seqs stay gapless: the MySQL adapter locks a one-row head
// (evidence_head, SELECT ... FOR UPDATE) in the transaction that creates
// what the record proves, calls Next on it, inserts, and moves the head; the
// unique seq is the backstop.
//
// # Record hash: the canonical encoding
//
// Hash = lowercase hex of SHA-256 over these bytes, in this order, with no
// separators; uint32/uint64/int64 are big-endian:
//
//	uint32 len(tag)          tag = "wxlend/evidence/v1" (domain separation)
//	tag
//	uint64 Seq               1 for the first record, then +1
//	uint32 len(Kind)         Kind
//	uint32 len(SubjectID)    SubjectID (UTF-8)
//	uint32 len(ContentHash)  ContentHash (ASCII lowercase hex, as stored)
//	uint32 len(PrevHash)     PrevHash (ASCII lowercase hex, 64 characters)
//	int64 CreatedAt          microseconds since 1970-01-01T00:00:00Z
//
// Every variable-length field is length-prefixed, so no two different
// records encode to the same bytes ("ab"+"c" is not "a"+"bc"). The first
// record's PrevHash is 64 zeros (Genesis). CreatedAt is UTC with
// microsecond precision, the precision of MySQL DATETIME(6), so a record
// read back from the database hashes exactly as it did when written.
package evidence

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Genesis is the PrevHash of the first record.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

const tag = "wxlend/evidence/v1"

// Kind says what a record attests.
type Kind string

// The kinds wxlend writes. Others are allowed if they match [a-z0-9_]{1,32}.
const (
	Consent      Kind = "consent"      // a consent record (agreement text hash)
	Contract     Kind = "contract"     // a rendered contract (its SHA-256/SM3)
	Signature    Kind = "signature"    // a completed e-sign flow
	Disbursement Kind = "disbursement" // money sent to the borrower
	Settlement   Kind = "settlement"   // a loan paid off
)

// Record is one link of the chain. ContentHash is lowercase hex of one or
// more 256-bit digests (SHA-256 or SM3, 64 hex characters each, e.g. a
// contract's SHA-256 followed by its SM3). SubjectID names what the content
// belongs to (a contract id, a consent id) and never holds PII.
type Record struct {
	Seq         int64     `json:"seq"`
	Kind        Kind      `json:"kind"`
	SubjectID   string    `json:"subject_id"`
	ContentHash string    `json:"content_hash"`
	PrevHash    string    `json:"prev_hash"`
	Hash        string    `json:"hash"`
	CreatedAt   time.Time `json:"created_at"`
}

// Limits on record fields; they bound the work of hashing and the width of
// the database columns.
const (
	MaxKindLen        = 32
	MaxSubjectLen     = 128
	MaxContentHashLen = 4 * 64
)

// ErrMalformed is returned by Validate for a record that can never be part
// of a valid chain.
var ErrMalformed = errors.New("evidence: malformed record")

// Next makes the record that follows prev (nil for the first record):
// seq prev.Seq+1, PrevHash prev.Hash, CreatedAt at in UTC truncated to the
// microsecond and never earlier than prev's, and its Hash. It does not
// check its inputs (they come from wxlend's own code, not from users):
// call Validate before storing. A malformed record never verifies.
func Next(prev *Record, kind Kind, subject, contentHash string, at time.Time) Record {
	r := Record{Seq: 1, Kind: kind, SubjectID: subject, ContentHash: contentHash, PrevHash: Genesis,
		CreatedAt: at.UTC().Truncate(time.Microsecond)}
	if prev != nil {
		r.Seq, r.PrevHash = prev.Seq+1, prev.Hash
		if r.CreatedAt.Before(prev.CreatedAt) {
			r.CreatedAt = prev.CreatedAt.UTC()
		}
	}
	r.Hash = r.ComputeHash()
	return r
}

// ComputeHash is the hash r should carry (see the package doc).
func (r Record) ComputeHash() string {
	n := 4 + len(tag) + 8 + 4*4 + len(r.Kind) + len(r.SubjectID) + len(r.ContentHash) + len(r.PrevHash) + 8
	b := make([]byte, 0, n)
	b = appendField(b, tag)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Seq))
	b = appendField(b, string(r.Kind))
	b = appendField(b, r.SubjectID)
	b = appendField(b, r.ContentHash)
	b = appendField(b, r.PrevHash)
	b = binary.BigEndian.AppendUint64(b, uint64(r.CreatedAt.UnixMicro()))
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func appendField(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// Validate checks the shape of every field (not the chain): seq ≥ 1, kind
// [a-z0-9_]{1,32}, subject 1–128 bytes of UTF-8 without control
// characters, hashes lowercase hex of the right lengths, CreatedAt in the
// years 2000–2199 with no sub-microsecond part. Errors wrap ErrMalformed.
func (r Record) Validate() error {
	bad := func(field, why string) error { return fmt.Errorf("%w: %s %s", ErrMalformed, field, why) }
	switch {
	case r.Seq < 1:
		return bad("seq", "must be ≥ 1")
	case !validKind(r.Kind):
		return bad("kind", "must match [a-z0-9_]{1,32}")
	case !validSubject(r.SubjectID):
		return bad("subject_id", "must be 1-128 bytes of printable UTF-8")
	case len(r.ContentHash) == 0 || len(r.ContentHash)%64 != 0 || len(r.ContentHash) > MaxContentHashLen || !lowerHex(r.ContentHash):
		return bad("content_hash", "must be lowercase hex of 1-4 256-bit digests")
	case len(r.PrevHash) != 64 || !lowerHex(r.PrevHash):
		return bad("prev_hash", "must be 64 lowercase hex characters")
	case len(r.Hash) != 64 || !lowerHex(r.Hash):
		return bad("hash", "must be 64 lowercase hex characters")
	case r.CreatedAt.Year() < 2000 || r.CreatedAt.Year() >= 2200 || r.CreatedAt.Nanosecond()%1000 != 0:
		return bad("created_at", "must be in 2000-2199 with microsecond precision")
	}
	return nil
}

func validKind(k Kind) bool {
	if len(k) == 0 || len(k) > MaxKindLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func validSubject(s string) bool {
	if len(s) == 0 || len(s) > MaxSubjectLen || !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
