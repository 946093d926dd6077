package clock_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/clock"
)

var t0 = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)

func TestASharedClockWithoutAFileIsWallTime(t *testing.T) {
	wall := clock.NewFixed(t0)
	s := clock.NewShared(filepath.Join(t.TempDir(), "clock.json"), wall)
	if got := s.Now(); !got.Equal(t0) {
		t.Fatalf("Now = %v, want wall %v", got, t0)
	}
}

func TestASettingIsSeenByEveryReaderAndTimeKeepsFlowing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "clock.json")
	wall := clock.NewFixed(t0)
	writer, reader := clock.NewShared(path, wall), clock.NewShared(path, wall)
	_ = reader.Now() // caches "no file"
	target := t0.Add(40 * 24 * time.Hour)
	if err := writer.Set(target); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*clock.Shared{"writer": writer, "reader": reader} {
		if got := s.Now(); !got.Equal(target) {
			t.Fatalf("%s Now = %v, want %v", name, got, target)
		}
	}
	wall.Advance(90 * time.Second)
	if got := reader.Now(); !got.Equal(target.Add(90 * time.Second)) {
		t.Fatalf("after 90 s of wall time Now = %v, want %v", got, target.Add(90*time.Second))
	}
}

func TestTheSharedClockRefusesToGoBackAndChangesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clock.json")
	wall := clock.NewFixed(t0)
	s := clock.NewShared(path, wall)
	if err := s.Set(t0.Add(48 * time.Hour)); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	for _, back := range []time.Time{t0.Add(47 * time.Hour), t0, t0.Add(-time.Hour)} {
		if err := s.Set(back); !errors.Is(err, clock.ErrBackwards) {
			t.Fatalf("Set(%v) = %v, want ErrBackwards", back, err)
		}
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) || !s.Now().Equal(t0.Add(48*time.Hour)) {
		t.Fatalf("a refused setting changed the clock: %s -> %s, Now %v", before, after, s.Now())
	}
	if err := s.Set(t0.Add(48 * time.Hour)); err != nil {
		t.Fatalf("setting the current time again: %v", err)
	}
}

func TestAMalformedFileKeepsTheLastOffset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clock.json")
	wall := clock.NewFixed(t0)
	s := clock.NewShared(path, wall)
	if err := s.Set(t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := s.Now(); !got.Equal(t0.Add(time.Hour)) {
		t.Fatalf("Now = %v, want the last good %v", got, t0.Add(time.Hour))
	}
}

func BenchmarkSharedNow(b *testing.B) {
	s := clock.NewShared(filepath.Join(b.TempDir(), "clock.json"), clock.System{})
	if err := s.Set(time.Now().Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		_ = s.Now()
	}
}
