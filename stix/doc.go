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
// # Files
//
// Objects and ids:
//
//	object.go        Object: the exact bytes of one version plus the fields it is indexed by
//	id.go            Herald's UUIDv5 namespace and deterministic ids
//	types_kind.go    which types are SDOs, SROs, SCOs, meta objects
//
// Decoding (bundles, envelopes, arrays, single objects; bounded memory):
//
//	decode.go        Decode, DecodeOptions and the limits, the streaming Decoder
//	decode_top.go    the walk over the top level: the input's shape, bundle members, the objects array
//	decode_scan.go   finding the end of one JSON value (depth and size limits)
//	decode_reader.go the Decoder's buffer: keeps only the bytes of the value being read
//	decode_errors.go SyntaxError, LimitError, ElementError: where and why a decode failed
//	ijson.go         I-JSON checks that TAXII 2.1 requires (unpaired surrogates, numbers out of range)
//
// Validation against STIX 2.1:
//
//	validate.go          Validate, Problem and ValidationError; the walk over an object
//	types.go             the property tables of every object type that Validate works from
//	vocab.go             closed vocabularies and fixed formats
//	validate_props.go    one property value against its description (strings, lists, numbers…)
//	validate_syntax.go   type names, identifiers, UUIDs, custom names, timestamps, language tags
//	validate_sdo.go      cross-property rules of SDOs and SROs
//	validate_sco.go      cross-property rules of cyber-observables
//	validate_meta.go     rules of the meta objects (language content, marking definitions, extension definitions)
//	validate_ext.go      extensions dictionaries
//	validate_pattern.go  indicator patterns, through stix/pattern
//
// Authoring Herald's own objects (on top of TcM1911/stix2):
//
//	author.go            what every object Herald authors shares: identity, marking, timestamps
//	convert.go           ConvertAdvisory: a parsed advisory (feed) to STIX objects, in reference order
//	convert_records.go   actors, organisations, attack patterns, campaigns, indicators, notes; first/last seen
//	convert_incident.go  the Incident Core extension, monetary impacts, ConvertMoney
//	convert_version.go   versioning against the previous report: new versions, revocations
//	extension.go         the extension definitions Herald publishes
//	indicator.go         indicators from a shorthand observable (herald indicator add)
//	revoke.go            Revoke: the revoked version of any object
//	tlp.go               the TLP 2.0 marking definitions
//
// # Caveats
//
// TcM1911/stix2 rewrites timestamps, drops zero values, leaks custom
// properties between objects and panics on some inputs when it parses, so it
// is used only to author objects, never to decode or re-encode received ones.
package stix
