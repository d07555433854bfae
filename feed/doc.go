// Package feed reads Herald advisories: YAML files a maintainer writes by
// hand, describing threat actors, organisations, incidents, campaigns,
// attack patterns, notes and indicators that refer to each other by local
// ids.
//
// It owns the advisory format, its parsing (with file, line, column and
// field in every error) and its validation. It knows nothing of STIX: the
// stix package turns a parsed Document into STIX 2.1 objects.
//
// feed must not import any other Herald package (stix, store, taxii).
package feed
