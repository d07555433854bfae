package store

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters of new hashes: the OWASP Password Storage Cheat
// Sheet's first recommendation (19 MiB, 2 passes, 1 lane). The parameters
// are stored in each hash, so raising them later keeps old hashes valid.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// Bounds on parameters read back from a stored hash, so that a tampered
// hash cannot make CheckPassword allocate gigabytes or spin for minutes.
const (
	maxArgonMemoryKiB = 1 << 20 // 1 GiB
	maxArgonTime      = 64
	maxPasswordLen    = 4096
)

// HashPassword hashes a password with argon2id and a random 16-byte salt.
// The result is a PHC string, e.g.
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" (unpadded base64).
// An empty or over-long (> 4096 bytes) password gives ErrBadParameter.
func HashPassword(password string) (string, error) {
	if password == "" {
		return "", fmt.Errorf("hash password: empty password: %w", ErrBadParameter)
	}
	if len(password) > maxPasswordLen {
		return "", fmt.Errorf("hash password: longer than %d bytes: %w", maxPasswordLen, ErrBadParameter)
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// phc is a parsed argon2id PHC string.
type phc struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

// parsePHC parses and bounds-checks a hash from HashPassword.
func parsePHC(hash string) (phc, error) {
	var h phc
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return h, fmt.Errorf("not an argon2id PHC string")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return h, fmt.Errorf("unsupported argon2 version %q", parts[2])
	}
	for _, kv := range strings.Split(parts[3], ",") {
		name, val, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(val, 10, 32)
		if !ok || err != nil {
			return h, fmt.Errorf("bad parameter %q", kv)
		}
		switch name {
		case "m":
			h.memory = uint32(n)
		case "t":
			h.time = uint32(n)
		case "p":
			if n > 255 {
				return h, fmt.Errorf("bad parameter %q", kv)
			}
			h.threads = uint8(n)
		default:
			return h, fmt.Errorf("unknown parameter %q", kv)
		}
	}
	if h.memory < 8 || h.memory > maxArgonMemoryKiB || h.time < 1 || h.time > maxArgonTime || h.threads < 1 ||
		h.memory < 8*uint32(h.threads) {
		return h, fmt.Errorf("parameters out of range")
	}
	var err error
	if h.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return h, fmt.Errorf("bad salt")
	}
	if h.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(h.key) < 16 || len(h.key) > 128 {
		return h, fmt.Errorf("bad hash")
	}
	return h, nil
}

// CheckPassword reports whether password matches a hash from HashPassword.
// The comparison is constant-time; a malformed hash never matches.
func CheckPassword(hash, password string) bool {
	h, err := parsePHC(hash)
	if err != nil || len(password) > maxPasswordLen {
		return false
	}
	key := argon2.IDKey([]byte(password), h.salt, h.time, h.memory, h.threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1
}
