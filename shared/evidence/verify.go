package evidence

import (
	"fmt"
	"time"
)

// BreakKind says how the chain is broken.
type BreakKind string

// Kinds of break, in the order Verifier checks a record.
const (
	// Malformed: a field can never be valid (Record.Validate fails).
	Malformed BreakKind = "malformed"
	// Reordered: the record comes after one with a higher or equal seq, or
	// (Verify only) a missing seq appears later in the input.
	Reordered BreakKind = "reordered"
	// Deleted: a seq is missing (a gap); Break.Seq is the first missing one.
	Deleted BreakKind = "deleted"
	// Edited: the record's fields do not hash to its Hash.
	Edited BreakKind = "edited"
	// Relinked: the record hashes correctly but its PrevHash is not the
	// previous record's Hash: the previous record was replaced by one with
	// a recomputed hash, or records were deleted and renumbered.
	Relinked BreakKind = "relinked"
	// TimeReversed: CreatedAt is earlier than the previous record's.
	TimeReversed BreakKind = "time_reversed"
)

// Break is the first problem found: the seq where the chain breaks, how,
// and a detail for the alert (no content, only seqs and hashes).
type Break struct {
	Seq    int64
	Kind   BreakKind
	Detail string
}

func (b *Break) Error() string {
	return fmt.Sprintf("evidence chain broken at seq %d (%s): %s", b.Seq, b.Kind, b.Detail)
}

// Verifier checks a chain record by record, so a job can read the table in
// bounded pages (ORDER BY seq) and never hold it all. The zero Verifier
// expects the chain from its first record (seq 1, PrevHash Genesis).
// After the first break every Add returns that same break: a broken chain
// does not become whole again further on.
type Verifier struct {
	lastSeq  int64
	lastHash string
	lastAt   time.Time
	broken   *Break
}

// ResumeAfter returns a Verifier that continues a chain after anchor, a
// record from a trusted source (the head of a previous verified run, or a
// published anchor). Anchor itself is not re-checked.
func ResumeAfter(anchor Record) Verifier {
	return Verifier{lastSeq: anchor.Seq, lastHash: anchor.Hash, lastAt: anchor.CreatedAt}
}

// Head is the seq and hash of the last record accepted (0 and Genesis
// before any). Compare it with an external anchor: deleting records from
// the end of the chain is visible only that way.
func (v *Verifier) Head() (int64, string) {
	if v.lastSeq == 0 && v.lastHash == "" {
		return 0, Genesis
	}
	return v.lastSeq, v.lastHash
}

// Add checks r against the records before it and returns the first problem,
// or nil if r extends the chain.
func (v *Verifier) Add(r Record) *Break {
	if v.broken != nil {
		return v.broken
	}
	if b := v.check(r); b != nil {
		v.broken = b
		return b
	}
	v.lastSeq, v.lastHash, v.lastAt = r.Seq, r.Hash, r.CreatedAt
	return nil
}

func (v *Verifier) check(r Record) *Break {
	prevHash := v.lastHash
	if v.lastSeq == 0 && prevHash == "" {
		prevHash = Genesis
	}
	if err := r.Validate(); err != nil {
		return &Break{Seq: r.Seq, Kind: Malformed, Detail: err.Error()}
	}
	switch {
	case r.Seq <= v.lastSeq:
		return &Break{Seq: r.Seq, Kind: Reordered, Detail: fmt.Sprintf("seq %d comes after seq %d", r.Seq, v.lastSeq)}
	case r.Seq > v.lastSeq+1:
		return &Break{Seq: v.lastSeq + 1, Kind: Deleted,
			Detail: fmt.Sprintf("seq %d follows seq %d: %d record(s) missing", r.Seq, v.lastSeq, r.Seq-v.lastSeq-1)}
	case r.ComputeHash() != r.Hash:
		return &Break{Seq: r.Seq, Kind: Edited, Detail: "the record's fields do not match its hash"}
	case r.PrevHash != prevHash:
		return &Break{Seq: r.Seq, Kind: Relinked,
			Detail: fmt.Sprintf("prev_hash %.12s… is not the hash %.12s… of seq %d", r.PrevHash, prevHash, v.lastSeq)}
	case !v.lastAt.IsZero() && r.CreatedAt.Before(v.lastAt):
		return &Break{Seq: r.Seq, Kind: TimeReversed, Detail: "created_at is earlier than the previous record's"}
	}
	return nil
}

// Verify checks a whole chain given from its first record, in the order
// given, and returns the first break or nil. Unlike the streaming Verifier
// it sees the whole input, so a seq that is missing at its place but
// present later is reported as Reordered, not Deleted.
func Verify(records []Record) *Break {
	var v Verifier
	for i, r := range records {
		b := v.Add(r)
		if b == nil {
			continue
		}
		if b.Kind == Deleted {
			for _, later := range records[i+1:] {
				if later.Seq == b.Seq {
					return &Break{Seq: b.Seq, Kind: Reordered,
						Detail: fmt.Sprintf("seq %d comes after seq %d", b.Seq, r.Seq)}
				}
			}
		}
		return b
	}
	return nil
}
