// Package stix is the gate every object passes on its way into Herald and
// the place Herald authors its own objects.
//
// It decodes STIX bundles, TAXII envelopes, JSON arrays and single objects
// into Objects (the original bytes plus indexed fields), validates them
// against STIX 2.1, checks indicator patterns with the stix/pattern parser,
// and builds Herald's own objects (deterministic UUIDv5 ids, millisecond UTC
// timestamps, TLP 2.0 markings) on top of github.com/TcM1911/stix2.
//
// stix may import feed, stix/pattern and TcM1911/stix2. It must not import
// store, taxii, bbolt or echo.
//
// # Caveats
//
// TcM1911/stix2 rewrites timestamps, drops zero values, leaks custom
// properties between objects and panics on some inputs when it parses, so it
// is used only to author objects, never to decode or re-encode received ones.
package stix
