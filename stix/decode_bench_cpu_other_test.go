//go:build !unix

package stix_test

import "time"

// decodeCPUTime is not measured on this platform.
func decodeCPUTime() time.Duration { return 0 }
