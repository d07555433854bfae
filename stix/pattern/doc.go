// Package pattern parses the STIX 2.1 patterning language (STIX 2.1 §9):
// observation expressions joined by AND, OR and FOLLOWEDBY, comparison
// expressions, qualifiers, object paths and constants. Errors give the
// position and what was expected.
//
// pattern is a leaf: it imports only the standard library.
//
// # Grammar
//
// The parser is a hand-written recursive-descent parser with its own lexer,
// following the OASIS ANTLR grammar for STIX 2.1 (STIXPattern.g4 in
// cti-stix2-json-schemas):
//
//	pattern      = observations
//	observations = or { "FOLLOWEDBY" or }          loosest
//	or           = and { "OR" and }
//	and          = unit { "AND" unit }              tightest
//	unit         = ( "[" comparisons "]" | "(" observations ")" ) { qualifier }
//	qualifier    = "WITHIN" number "SECONDS" | "REPEATS" integer "TIMES"
//	             | "START" timestamp "STOP" timestamp
//	comparisons  = cmpAnd { "OR" cmpAnd }
//	cmpAnd       = test { "AND" test }
//	test         = "(" comparisons ")" | "EXISTS" path
//	             | path [ "NOT" ] op constant      op: = == != <> < <= > >=
//	             | path [ "NOT" ] "IN" "(" [ constant { "," constant } ] ")"
//	             | path [ "NOT" ] ( "LIKE" | "MATCHES" | "ISSUBSET" | "ISSUPERSET" ) string
//	path         = type ":" key { "." key | "[" integer "]" | "[*]" }
//	key          = identifier | string
//
// Keywords are upper case and case sensitive; true and false are lower case.
// Constants are strings ('…', with \' and \\ as the only escapes), integers,
// floats, booleans, h'…' hex, b'…' base64 and t'…' timestamps. Whitespace is
// any Unicode white space; /* … */ and // comments are skipped.
//
// # Checks beyond the grammar
//
// Parse also enforces what the STIX 2.1 prose requires but the grammar lets
// through; the error names the rule broken:
//
//   - object types are STIX type names (§3.1): 3–250 characters of a–z,
//     0–9 and '-', starting with a letter, with no trailing or doubled '-'
//     (so "x_whatever" is rejected);
//   - numbers are written without a '+' sign (§9.2) and integers fit in 64
//     bits;
//   - hex constants have an even number of hex digits; binary constants are
//     canonical padded base64, line feeds ignored (§9.2); timestamps are
//     RFC 3339 in UTC ("Z") with a real calendar date;
//   - within one observation expression, AND only joins comparisons that a
//     single object can satisfy; comparisons on different object types must
//     be joined by OR (§9.5), so "[a-type:x = 1 AND b-type:y = 2]" is
//     rejected while "[(a-type:x = 1 OR b-type:y = 2) AND a-type:z = 3]" is
//     not;
//   - an expression has at most one qualifier of each kind (§9.5.1); WITHIN
//     and REPEATS counts are positive; STOP is after START;
//   - the members of an IN set share one data type (§9.6.1; integers and
//     floats count as numbers);
//   - ISSUBSET and ISSUPERSET take an IP address or CIDR block, of the
//     path's family for ipv4-addr:value and ipv6-addr:value (§9.6.1);
//   - MATCHES takes a regular expression (see Caveats);
//   - a string compared (=, !=, IN) with a hash of a fixed-length algorithm
//     of the hashing algorithm vocabulary (hashes.MD5, 'SHA-1', 'SHA-256',
//     'SHA-512', 'SHA3-256', 'SHA3-512') is hex of that length (§2.7).
//
// # Canonical form
//
// Pattern.String renders a canonical form that Parse accepts and that
// renders identically again: single spaces, "=" and "!=", no comments,
// re-escaped strings, keys quoted only when needed, lower-case hex and
// shortest numbers. Chains of one operator are flat; a compound nested in a
// compound of another operator is always parenthesised, so the result can
// be read without knowing the precedence rules. Parentheses that group
// nothing are dropped; "([a]) WITHIN 5 SECONDS" becomes
// "[a] WITHIN 5 SECONDS".
//
// # Caveats
//
// STIX says MATCHES takes a PCRE regular expression; Go has no PCRE, so the
// check is an approximation with regexp/syntax (RE2): syntax errors that
// are errors in PCRE too (unbalanced parentheses or brackets, nothing to
// repeat, a bad range, a trailing backslash) are rejected, while PCRE-only
// constructs RE2 cannot parse (lookaround, atomic groups, backreferences,
// possessive quantifiers, PCRE-only escapes such as \Z, repeat counts above
// 1000) are accepted without further checking.
//
// Qualifiers written on a parenthesised expression are merged into the
// expression they wrap, so "([a] WITHIN 5 SECONDS) WITHIN 6 SECONDS" is a
// duplicate WITHIN, as is "[a] WITHIN 5 SECONDS WITHIN 6 SECONDS".
//
// Where the grammar is more lenient than the prose and nothing is lost,
// Parse follows the grammar: upper-case hex digits are accepted (and
// rendered in lower case), "==" and "<>" are accepted (and rendered "=" and
// "!="), comments are skipped, and negative list indexes are accepted (they
// are out of range, so match nothing, §9.7.2).
//
// Input is limited to MaxLength bytes and MaxDepth levels of nested
// brackets and parentheses, so a hostile pattern cannot exhaust the stack.
package pattern
