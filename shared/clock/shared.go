package clock

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Shared is the local stack's settable business clock, one for every
// function process and the fakes: wall time plus an offset kept in a file
// that the gateway alone writes (WXLEND_BUSINESS_CLOCK_FILE). Keeping an
// offset, not an instant, lets business time flow between settings. Now
// stats the file on each call and reads it again only when it changed; a
// missing file is offset zero, an unreadable one keeps the last offset.
// Production never uses it: the configuration loader refuses the variable
// with WXLEND_ENV=prod.
type Shared struct {
	path string
	wall Clock

	mu     sync.Mutex
	mod    time.Time
	size   int64
	offset time.Duration
}

// sharedState is the file's content.
type sharedState struct {
	OffsetNS int64     `json:"offset_ns"`
	SetTo    time.Time `json:"set_to"` // for people reading the file
	SetAt    time.Time `json:"set_at"` // wall time of the setting
}

// ErrBackwards refuses a setting before the current business time: dates
// already closed, stamped or billed would come round again.
var ErrBackwards = errors.New("the business clock only moves forward")

// NewShared reads the business clock kept at path on top of wall.
func NewShared(path string, wall Clock) *Shared { return &Shared{path: path, wall: wall} }

// Now is wall time plus the file's offset, truncated like System.
func (s *Shared) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refresh()
	return s.wall.Now().Add(s.offset).UTC().Truncate(time.Microsecond)
}

// refresh re-reads the file when its modification time or size changed.
func (s *Shared) refresh() {
	fi, err := os.Stat(s.path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			s.mod, s.size, s.offset = time.Time{}, 0, 0
		}
		return
	}
	if fi.ModTime().Equal(s.mod) && fi.Size() == s.size {
		return
	}
	b, err := os.ReadFile(s.path)
	var st sharedState
	if err != nil || json.Unmarshal(b, &st) != nil {
		return
	}
	s.mod, s.size, s.offset = fi.ModTime(), fi.Size(), time.Duration(st.OffsetNS)
}

// Set moves the business clock to t (ErrBackwards if t is before the
// current business time; nothing changes then). The file is replaced
// atomically, so a reader sees the old offset or the new one.
func (s *Shared) Set(t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refresh()
	wall := s.wall.Now()
	if t.Before(wall.Add(s.offset).Truncate(time.Microsecond)) {
		return ErrBackwards
	}
	st := sharedState{OffsetNS: int64(t.Sub(wall)), SetTo: t.UTC(), SetAt: wall.UTC()}
	b, _ := json.Marshal(st)
	if err := writeAtomic(s.path, b); err != nil {
		return fmt.Errorf("business clock %s: %w", s.path, err)
	}
	s.mod = time.Time{} // the next Now reads what was written
	s.refresh()
	return nil
}

func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".business-clock-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
