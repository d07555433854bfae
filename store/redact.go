package store

import (
	"net/url"
)

// Redact returns a --db value fit for logs and messages: a file path as
// it is, a URL with its password (in the user information or in a
// password parameter) replaced by "xxxxx". A value that does not parse
// as a URL is reduced to its scheme.
func Redact(dsn string) string {
	if IsPath(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return Scheme(dsn) + "://…"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
