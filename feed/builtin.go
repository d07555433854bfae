package feed

import (
	"bytes"
	_ "embed"
)

//go:embed builtin/dprk-crypto-2024.yaml
var builtin []byte

// BuiltinName is the file name reported in messages about the built-in
// advisory.
const BuiltinName = "builtin/dprk-crypto-2024.yaml"

// Builtin returns a copy of the raw YAML of the built-in advisory: the
// January 2025 joint statement of the United States, Japan and the Republic
// of Korea on North Korean cryptocurrency theft in 2024. `herald serve`
// imports it into a fresh database so the default server has real content.
func Builtin() []byte {
	return bytes.Clone(builtin)
}

// BuiltinAdvisory parses the built-in advisory.
func BuiltinAdvisory() (*Advisory, error) {
	return Parse(bytes.NewReader(builtin), BuiltinName)
}
