// Package taxii serves a Herald store over TAXII 2.1 on echo.
//
// It owns the HTTP surface: routing, media-type negotiation, query-parameter
// parsing, signed pagination tokens, authentication and permissions, the
// mapping of errors to TAXII error resources, TLS, logs and metrics. Echo
// stays inside this package: nothing else in Herald imports it.
//
// taxii may import store (value types and *store.DB through the Store
// interface it declares) and stix. It must not import feed or bbolt.
package taxii
