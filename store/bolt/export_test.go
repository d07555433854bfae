package bolt

// SetRekeyForTest makes the rewrite of index keys for schema 4 move chunk
// keys per transaction and call after once each has committed (an error
// stops it as a crash would). It returns a function that restores both.
func SetRekeyForTest(chunk int, after func() error) (restore func()) {
	oldChunk, oldAfter := rekeyChunk, afterRekeyChunk
	rekeyChunk, afterRekeyChunk = chunk, after
	return func() { rekeyChunk, afterRekeyChunk = oldChunk, oldAfter }
}
