package bolt

import "github.com/heraldcti/herald/store/internal/order"

// parseTimestamp parses a STIX timestamp into an instant for ordering
// versions (see order.ParseTimestamp).
func parseTimestamp(s string) (sec int64, nsec int32, ok bool) { return order.ParseTimestamp(s) }
