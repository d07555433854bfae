//go:build race

package taxii_test

// raceEnabled: the race detector slows HTTP and JSON work about tenfold,
// so the heaviest walks shrink to keep `go test -race` well under a minute.
const raceEnabled = true
