package feed

import "unicode/utf8"

// notText finds the first byte that cannot be in a YAML advisory: a NUL or
// a byte that is not UTF-8. It returns its 1-based line and column (in
// characters) and the byte, or ok false when data is text. A binary file
// given by mistake (an image, a .gz renamed .yaml, a UTF-16 export) then
// gets an error that says so and where, rather than a YAML scanner
// message about octets.
func notText(data []byte) (line, col int, b byte, found bool) {
	line, col = 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == 0 || r == utf8.RuneError && size == 1 {
			return line, col, data[i], true
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	return 0, 0, 0, false
}
