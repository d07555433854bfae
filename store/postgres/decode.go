package postgres

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Raw column decoding for the page walk, which reads rows without
// copying (rows.RawValues): values arrive in binary or text format
// depending on how the statement was prepared.

func decodeInt8(fd pgconn.FieldDescription, b []byte) (int64, error) {
	if fd.Format == pgtype.BinaryFormatCode {
		if len(b) != 8 {
			return 0, fmt.Errorf("column %s: %d bytes for a bigint", fd.Name, len(b))
		}
		return int64(binary.BigEndian.Uint64(b)), nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("column %s: %w", fd.Name, err)
	}
	return n, nil
}

func decodeBool(fd pgconn.FieldDescription, b []byte) (bool, error) {
	if fd.Format == pgtype.BinaryFormatCode {
		if len(b) != 1 {
			return false, fmt.Errorf("column %s: %d bytes for a boolean", fd.Name, len(b))
		}
		return b[0] != 0, nil
	}
	return len(b) == 1 && b[0] == 't', nil
}

func decodeBytea(fd pgconn.FieldDescription, b []byte) ([]byte, error) {
	if b == nil || fd.Format == pgtype.BinaryFormatCode {
		return b, nil
	}
	if len(b) < 2 || b[0] != '\\' || b[1] != 'x' {
		return nil, fmt.Errorf("column %s: bytea text is not hex", fd.Name)
	}
	out := make([]byte, hex.DecodedLen(len(b)-2))
	if _, err := hex.Decode(out, b[2:]); err != nil {
		return nil, fmt.Errorf("column %s: %w", fd.Name, err)
	}
	return out, nil
}
