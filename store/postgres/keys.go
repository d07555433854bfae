package postgres

import "github.com/heraldcti/herald/store/internal/order"

// The ordering keys are the same encodings the bbolt backend uses, so both
// backends agree on what "first" and "last" mean. PostgreSQL compares bytea
// values byte by byte (then by length), like bytes.Compare.

// specKey and verKey are the ordering keys shared by every backend (see
// package order), so PostgreSQL and bbolt agree on first and last.
func specKey(spec string) []byte { return order.SpecKey(spec) }

func verKey(version string, da int64) []byte { return order.VerKey(version, da) }
