package evidence

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 31, 8, 0, 0, 0, time.UTC)

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func chain(n int) []Record {
	out := make([]Record, 0, n)
	var prev *Record
	kinds := []Kind{Consent, Contract, Signature, Disbursement, Settlement}
	for i := 0; i < n; i++ {
		r := Next(prev, kinds[i%len(kinds)], fmt.Sprintf("subject-%d", i), digest(fmt.Sprint(i)), t0.Add(time.Duration(i)*time.Second+123456789))
		out = append(out, r)
		prev = &out[len(out)-1]
	}
	return out
}

func TestChainVerifies(t *testing.T) {
	c := chain(1000)
	if b := Verify(c); b != nil {
		t.Fatal(b)
	}
	if c[0].Seq != 1 || c[0].PrevHash != Genesis || c[999].Seq != 1000 || c[999].PrevHash != c[998].Hash {
		t.Fatal("seq or links wrong")
	}
	for _, r := range c {
		if err := r.Validate(); err != nil {
			t.Fatal(err)
		}
		if r.CreatedAt.Nanosecond()%1000 != 0 || r.CreatedAt.Location() != time.UTC {
			t.Fatal("created_at not UTC microseconds")
		}
	}
	if b := Verify(nil); b != nil {
		t.Fatal("empty chain", b)
	}
}

// TestCanonicalEncoding rebuilds the documented byte layout by hand, so the
// package doc and the code cannot drift apart, and pins one hash so the
// layout cannot change without every stored chain failing this test first.
func TestCanonicalEncoding(t *testing.T) {
	r := Next(nil, Contract, "C202601310001", digest("contract"), t0)
	var b []byte
	field := func(s string) {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	field("wxlend/evidence/v1")
	b = binary.BigEndian.AppendUint64(b, 1)
	field("contract")
	field("C202601310001")
	field(digest("contract"))
	field(Genesis)
	b = binary.BigEndian.AppendUint64(b, uint64(t0.UnixMicro()))
	sum := sha256.Sum256(b)
	if r.Hash != hex.EncodeToString(sum[:]) {
		t.Fatalf("hash %s does not follow the documented layout", r.Hash)
	}
	const pinned = "27a6b9f3ab28996c938ec9cd31a31af448787a786e83af5a5315ee29255aa946"
	if r.Hash != pinned {
		t.Fatalf("hash of the reference record is %s, pinned %s", r.Hash, pinned)
	}
	// Length prefixes: moving a byte between adjacent fields changes the hash.
	a := Next(nil, "ab", "c", digest("x"), t0)
	c := Next(nil, "a", "bc", digest("x"), t0)
	if a.Hash == c.Hash {
		t.Fatal("field boundaries are ambiguous")
	}
}

func TestNextKeepsTimeMonotonic(t *testing.T) {
	first := Next(nil, Consent, "s", digest("a"), t0)
	second := Next(&first, Consent, "s", digest("b"), t0.Add(-time.Hour))
	if !second.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("clock went back: %v after %v", second.CreatedAt, first.CreatedAt)
	}
	local := Next(&second, Consent, "s", digest("c"), t0.In(time.FixedZone("CST", 8*3600)).Add(1500*time.Nanosecond))
	if local.CreatedAt.Location() != time.UTC || local.CreatedAt.Nanosecond() != 1000 {
		t.Fatalf("created_at %v not normalized", local.CreatedAt)
	}
	if b := Verify([]Record{first, second, local}); b != nil {
		t.Fatal(b)
	}
}

func TestBreaksAreFoundWhereTheyAre(t *testing.T) {
	cases := []struct {
		name   string
		mutate func([]Record) []Record
		seq    int64
		kind   BreakKind
	}{
		{"edited subject", func(c []Record) []Record { c[299].SubjectID = "subject-x"; return c }, 300, Edited},
		{"edited content hash", func(c []Record) []Record { c[0].ContentHash = digest("forged"); return c }, 1, Edited},
		{"edited time", func(c []Record) []Record { c[10].CreatedAt = c[10].CreatedAt.Add(time.Microsecond); return c }, 11, Edited},
		{"edited hash", func(c []Record) []Record { c[500].Hash = digest("x"); return c }, 501, Edited},
		{"rehashed edit", func(c []Record) []Record {
			c[299].SubjectID = "subject-x"
			c[299].Hash = c[299].ComputeHash()
			return c
		}, 301, Relinked},
		{"deleted", func(c []Record) []Record { return append(c[:499:499], c[500:]...) }, 500, Deleted},
		{"deleted first", func(c []Record) []Record { return c[1:] }, 1, Deleted},
		{"deleted run", func(c []Record) []Record { return append(c[:99:99], c[110:]...) }, 100, Deleted},
		{"deleted and renumbered", func(c []Record) []Record {
			c = append(c[:499:499], c[500:]...)
			for i := 499; i < len(c); i++ {
				c[i].Seq--
			}
			return c
		}, 500, Edited},
		{"swapped", func(c []Record) []Record { c[399], c[400] = c[400], c[399]; return c }, 400, Reordered},
		{"moved far", func(c []Record) []Record {
			r := c[100]
			c = append(c[:100:100], c[101:]...)
			return append(c, r)
		}, 101, Reordered},
		{"duplicated", func(c []Record) []Record { return append(c[:701:701], c[700:]...) }, 701, Reordered},
		{"bad genesis", func(c []Record) []Record {
			c[0].PrevHash = digest("x")
			c[0].Hash = c[0].ComputeHash()
			return c
		}, 1, Relinked},
		{"uppercase hex", func(c []Record) []Record { c[42].ContentHash = strings.ToUpper(c[42].ContentHash); return c }, 43, Malformed},
		{"time reversed", func(c []Record) []Record {
			c[9].CreatedAt = t0.Add(-time.Hour)
			c[9].Hash = c[9].ComputeHash()
			c[10].PrevHash = c[9].Hash
			for i := 10; i < len(c); i++ {
				if i > 10 {
					c[i].PrevHash = c[i-1].Hash
				}
				c[i].Hash = c[i].ComputeHash()
			}
			return c
		}, 10, TimeReversed},
	}
	for _, tc := range cases {
		b := Verify(tc.mutate(chain(1000)))
		if b == nil || b.Seq != tc.seq || b.Kind != tc.kind {
			t.Errorf("%s: got %+v, want seq %d %s", tc.name, b, tc.seq, tc.kind)
		}
	}
}

// TestStreamingInPages verifies the chain in pages of 64, as a job reading
// MySQL would, and resumes a second run from the first run's head.
func TestStreamingInPages(t *testing.T) {
	c := chain(1000)
	var v Verifier
	if seq, h := v.Head(); seq != 0 || h != Genesis {
		t.Fatalf("empty head %d %s", seq, h)
	}
	for start := 0; start < 600; start += 64 {
		for _, r := range c[start:min(start+64, 600)] {
			if b := v.Add(r); b != nil {
				t.Fatal(b)
			}
		}
	}
	seq, head := v.Head()
	if seq != 600 || head != c[599].Hash {
		t.Fatalf("head %d %s", seq, head)
	}
	resumed := ResumeAfter(c[599])
	for _, r := range c[600:] {
		if b := resumed.Add(r); b != nil {
			t.Fatal(b)
		}
	}
	c[800].SubjectID = "x"
	resumed = ResumeAfter(c[599])
	var first *Break
	for _, r := range c[600:] {
		if b := resumed.Add(r); b != nil && first == nil {
			first = b
		}
	}
	if first == nil || first.Seq != 801 || first.Kind != Edited || resumed.Add(c[999]) != first {
		t.Fatalf("break %+v is not sticky at 801", first)
	}
	// A streaming verifier cannot look ahead: a swap shows as a gap.
	d := chain(10)
	d[4], d[5] = d[5], d[4]
	var s Verifier
	var got *Break
	for _, r := range d {
		if got = s.Add(r); got != nil {
			break
		}
	}
	if got == nil || got.Seq != 5 || got.Kind != Deleted {
		t.Fatalf("streaming swap: %+v", got)
	}
}

func TestValidate(t *testing.T) {
	good := Next(nil, Consent, "consent-1", digest("a")+digest("b"), t0)
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := map[string]func(*Record){
		"seq 0":             func(r *Record) { r.Seq = 0 },
		"empty kind":        func(r *Record) { r.Kind = "" },
		"kind upper":        func(r *Record) { r.Kind = "Consent" },
		"kind long":         func(r *Record) { r.Kind = Kind(strings.Repeat("a", 33)) },
		"empty subject":     func(r *Record) { r.SubjectID = "" },
		"subject newline":   func(r *Record) { r.SubjectID = "a\nb" },
		"subject long":      func(r *Record) { r.SubjectID = strings.Repeat("a", 129) },
		"subject not utf8":  func(r *Record) { r.SubjectID = "\xff" },
		"content short":     func(r *Record) { r.ContentHash = "abcd" },
		"content odd":       func(r *Record) { r.ContentHash = digest("a") + "0" },
		"content too many":  func(r *Record) { r.ContentHash = strings.Repeat(digest("a"), 5) },
		"content not hex":   func(r *Record) { r.ContentHash = strings.Repeat("g", 64) },
		"prev short":        func(r *Record) { r.PrevHash = "00" },
		"hash empty":        func(r *Record) { r.Hash = "" },
		"zero time":         func(r *Record) { r.CreatedAt = time.Time{} },
		"nanoseconds":       func(r *Record) { r.CreatedAt = r.CreatedAt.Add(1) },
		"year 2200":         func(r *Record) { r.CreatedAt = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC) },
		"negative seq":      func(r *Record) { r.Seq = -5 },
		"content uppercase": func(r *Record) { r.ContentHash = strings.ToUpper(r.ContentHash) },
	}
	for name, m := range bad {
		r := good
		m(&r)
		if err := r.Validate(); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
		if b := Verify([]Record{r}); b == nil {
			t.Errorf("%s: verified", name)
		}
	}
}
