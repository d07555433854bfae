// Package pattern parses the STIX 2.1 patterning language (STIX 2.1 §9):
// observation expressions joined by AND, OR and FOLLOWEDBY, comparison
// expressions, qualifiers, object paths and constants. Errors give the
// position and what was expected.
//
// pattern is a leaf: it imports only the standard library.
package pattern
