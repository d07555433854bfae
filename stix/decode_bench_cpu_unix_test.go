//go:build unix

package stix_test

import (
	"syscall"
	"time"
)

// decodeCPUTime is the CPU time (user + system) the process has used. On a
// shared, loaded machine it measures the work better than the wall clock.
func decodeCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
