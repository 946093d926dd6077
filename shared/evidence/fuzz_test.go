package evidence

import (
	"reflect"
	"testing"
	"time"
)

// FuzzVerify mutates a valid chain (edit a field, delete, swap, duplicate)
// as steered by the fuzzer's bytes and checks that Verify never panics,
// that the streaming Verifier agrees with it on in-order input, and that any
// change at all is detected.
func FuzzVerify(f *testing.F) {
	f.Add([]byte{0, 3, 1})
	f.Add([]byte{1, 7, 0, 2, 2, 9})
	f.Add([]byte{3, 0, 5, 4, 1, 1, 5, 6, 200})
	f.Add([]byte{6, 31, 'x', 2, 19, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 64 {
			ops = ops[:64]
		}
		orig := chain(32)
		c := append([]Record(nil), orig...)
		for i := 0; i+2 < len(ops) && len(c) > 0; i += 3 {
			c = mutate(c, ops[i], int(ops[i+1])%len(c), ops[i+2])
		}
		b := Verify(c)
		if reflect.DeepEqual(c, orig) {
			if b != nil {
				t.Fatalf("untouched chain broken: %v", b)
			}
			return
		}
		if b == nil && !tailOnly(c, orig) {
			t.Fatalf("mutated chain verified")
		}
		var v Verifier
		var first *Break
		for _, r := range c {
			if first = v.Add(r); first != nil {
				break
			}
		}
		if (first == nil) != (b == nil) {
			t.Fatalf("streaming %v vs whole %v", first, b)
		}
	})
}

// tailOnly: dropping records from the end, or rewriting the last one and
// recomputing its hash, is invisible without an anchor (the documented
// limit, see Verifier.Head); everything before the last record must be
// the original.
func tailOnly(c, orig []Record) bool {
	n := len(c) - 1
	return n <= len(orig) && reflect.DeepEqual(c[:n], orig[:n])
}

func mutate(c []Record, op byte, i int, arg byte) []Record {
	switch op % 8 {
	case 0:
		c[i].SubjectID += string(rune('a' + arg%26))
	case 1:
		c[i].Seq += int64(int8(arg))
	case 2:
		return append(c[:i:i], c[i+1:]...)
	case 3:
		j := int(arg) % len(c)
		c[i], c[j] = c[j], c[i]
	case 4:
		c[i].CreatedAt = c[i].CreatedAt.Add(time.Duration(int8(arg)) * time.Microsecond)
	case 5:
		h := []byte(c[i].Hash)
		h[int(arg)%len(h)] ^= 1
		c[i].Hash = string(h)
	case 6:
		c[i].Kind = Kind([]byte{arg})
		c[i].Hash = c[i].ComputeHash()
	case 7:
		return append(c[:i+1:i+1], c[i:]...)
	}
	return c
}
