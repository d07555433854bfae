// Package taxii serves a Herald store over TAXII 2.1 on echo, and is the
// client of such a server (Client, client.go).
//
// It owns the HTTP surface: routing, media-type negotiation, query-parameter
// parsing, signed pagination tokens, authentication and permissions, the
// mapping of errors to TAXII error resources, TLS, logs and metrics. Echo
// stays inside this package: nothing else in Herald imports it.
//
// taxii may import store (the value types and the store.Store interface)
// and stix. It must not import feed or any storage backend (store/bolt,
// store/postgres) or driver: it serves whatever store.Store it is given.
//
// # Endpoints
//
// Discovery /taxii2/, one API root (default /herald/), status, collections,
// collection, manifest, objects (GET, POST), object (GET, DELETE) and
// versions, each with and without the trailing slash; /healthz and
// /metrics. Every response, errors included, is
// application/taxii+json;version=2.1 (except the Prometheus text of
// /metrics, which answers admin accounts only; ServeMetrics serves it
// without credentials on a separate listener for a private scraper).
//
// # Decisions
//
//   - Discovery and the API root resource are open to anonymous callers;
//     collections, objects and statuses follow the caller's grants, and
//     public-read collections are readable anonymously. A collection the
//     caller can neither read nor write is not listed and answers 404 (401
//     to anonymous callers, with a challenge, whether it exists or not).
//   - A malformed POST body (not JSON, not an envelope or bundle) is 422,
//     as §5.5's table lists "malformed body" under 422. Any malformed query
//     parameter is 400.
//   - next tokens are stateless and signed (token.go); they never expire,
//     and every use is re-checked against the caller's current rights.
//
// # Extending
//
// The admin API lives in admin*.go of this package. It registers its routes
// through routeHooks, authenticates with (*Server).authenticate, restricts
// with (*Server).requireAdmin, reports errors with errorf (mapped by
// classify, the one error table), and calls (*Server).forgetCredentials
// after changing accounts so the credential cache cannot serve stale
// rights.
//
// # The client
//
// Client (client.go) is what `herald --server` uses: TAXII for objects,
// the admin API for the rest, on the same wire types the handlers read and
// write (DiscoveryResource, CollectionsResource, StatusResource,
// ErrorResource, the Admin* bodies). Its errors are *StatusError, which
// unwrap to the store sentinels by reading storeErrors backwards, so there
// is one status table for both sides. It counts what an add request did
// from x_herald_outcomes (StatusOutcomes), never from the messages. It
// sends credentials only to the scheme and host of its server URL (no
// foreign API root, no redirect elsewhere) and warns about plain http to
// another machine.
//
// # Caveats
//
// The credential cache keeps a verified Basic login for AuthCacheTTL
// (default one minute): a password changed directly in the database file
// takes up to that long to apply. Throttling and the cache are per process.
package taxii
