// Package testutil holds helpers shared by the tests of several Herald
// packages. It is imported only from _test.go files.
package testutil

import (
	"bytes"
	"sync"
	"time"
)

// SyncBuffer is a bytes.Buffer that several goroutines may write at once:
// the log output of a server under test, read back by the test.
type SyncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // closed and replaced by each Write
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// WaitFor waits until sub has been written at least n times, or until
// timeout has passed; it reports whether it was. Tests use it to wait for
// the log line that says something happened, instead of sleeping.
func (s *SyncBuffer) WaitFor(sub string, n int, timeout time.Duration) bool {
	limit := time.NewTimer(timeout)
	defer limit.Stop()
	for {
		s.mu.Lock()
		if bytes.Count(s.b.Bytes(), []byte(sub)) >= n {
			s.mu.Unlock()
			return true
		}
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-limit.C:
			return false
		}
	}
}
