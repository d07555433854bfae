package taxii

import "strings"

// Media types Herald speaks.
const (
	// MediaTypeTAXII is the Content-Type of every TAXII response, errors
	// included (TAXII 2.1 §1.6.8.1, §3.1).
	MediaTypeTAXII = "application/taxii+json;version=2.1"
	// MediaTypeSTIX is the media type of the STIX 2.1 objects a collection
	// holds (TAXII 2.1 §5.2.1 media_types).
	MediaTypeSTIX = "application/stix+json;version=2.1"

	taxiiVer    = "2.1"
	paramVer    = "version"
	paramQ      = "q"
	maxAccepted = 8 << 10 // longer Accept headers are refused (negotiate: 431)
)

// mediaRange is one parsed element of an Accept header, or a parsed
// Content-Type: type and subtype in lower case, the version parameter, and
// the quality (1000 = q=1).
type mediaRange struct {
	typ, sub   string
	version    string
	hasVersion bool
	q          int
}

// parseMediaRange parses "type/subtype *(; name=value)". It is lenient about
// whitespace and case and understands quoted values; it reports ok=false
// for anything that is not a media range at all.
func parseMediaRange(s string) (mediaRange, bool) {
	m := mediaRange{q: 1000}
	s = strings.TrimSpace(s)
	main, params, _ := strings.Cut(s, ";")
	typ, sub, found := strings.Cut(strings.TrimSpace(main), "/")
	typ, sub = strings.ToLower(strings.TrimSpace(typ)), strings.ToLower(strings.TrimSpace(sub))
	if !found || !isToken(typ) || !isToken(sub) {
		return m, false
	}
	if typ == "*" && sub != "*" {
		return m, false
	}
	m.typ, m.sub = typ, sub
	for params != "" {
		var p string
		p, params = cutParam(params)
		name, value, ok := strings.Cut(p, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		if !ok {
			return m, false
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = strings.ReplaceAll(value[1:len(value)-1], `\`, "")
		}
		switch name {
		case paramVer:
			m.version, m.hasVersion = value, true
		case paramQ:
			q, ok := parseQValue(value)
			if !ok {
				return m, false
			}
			m.q = q
		}
	}
	return m, true
}

// cutParam returns the text up to the next ';' that is not inside quotes.
func cutParam(s string) (param, rest string) {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			inQuote = !inQuote
		case '\\':
			i++
		case ';':
			if !inQuote {
				return s[:i], s[i+1:]
			}
		}
	}
	return s, ""
}

// splitList splits a header value on commas outside quoted strings.
func splitList(s string) []string {
	var out []string
	inQuote, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			inQuote = !inQuote
		case '\\':
			i++
		case ',':
			if !inQuote {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if start <= len(s) {
		out = append(out, s[start:])
	}
	return out
}

// parseQValue parses an RFC 9110 qvalue ("0", "0.5", "1.000") into 0..1000.
func parseQValue(s string) (int, bool) {
	if s == "" || len(s) > 5 {
		return 0, false
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole != "0" && whole != "1" {
		return 0, false
	}
	for _, r := range frac {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n := 0
	if whole == "1" {
		n = 1000
	}
	if len(frac) > 3 {
		return 0, false
	}
	for i, mult := 0, 100; i < len(frac); i, mult = i+1, mult/10 {
		n += int(frac[i]-'0') * mult
	}
	if n > 1000 {
		return 0, false
	}
	return n, true
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

// Specificity of the Accept range that matched TAXII 2.1: the most specific
// range decides (RFC 9110 §12.5.1).
const (
	specNone          = iota
	specAny           // */*
	specApplication   // application/*
	specJSON          // application/json (a JSON client can read TAXII)
	specTypeNoVersion // application/taxii+json (or stix+json where allowed)
	specExact         // application/taxii+json;version=2.1
)

// acceptable reports whether a response in TAXII 2.1 may be sent to a
// request with this Accept header. It is deliberately lenient, because
// real TAXII clients send all of these: a missing header, */*, application/*,
// application/json and a version-less TAXII type all get TAXII 2.1, and so
// does application/stix+json when allowSTIX (the manifest endpoint, whose
// §5.3 table lists it). It refuses (false → 406) only when no range with
// q > 0 covers TAXII 2.1, e.g. an explicit version=2.0 or the TAXII 2.0
// media type, or when the most specific matching range has q=0.
func acceptable(header string, allowSTIX bool) bool {
	if header == MediaTypeTAXII { // what nearly every client sends: nothing to parse
		return true
	}
	if strings.TrimSpace(header) == "" {
		return true
	}
	if len(header) > maxAccepted {
		return false
	}
	best, bestQ := specNone, 0
	for _, part := range splitList(header) {
		if strings.TrimSpace(part) == "" {
			continue
		}
		m, ok := parseMediaRange(part)
		if !ok {
			continue
		}
		spec := specificity(m, allowSTIX)
		if spec == specNone {
			continue
		}
		if spec > best || (spec == best && m.q > bestQ) {
			best, bestQ = spec, m.q
		}
	}
	return best != specNone && bestQ > 0
}

func specificity(m mediaRange, allowSTIX bool) int {
	switch {
	case m.typ == "*" && m.sub == "*":
		return specAny
	case m.typ != "application":
		return specNone
	case m.sub == "*":
		return specApplication
	case m.sub == "json":
		return specJSON
	case m.sub == "taxii+json", allowSTIX && m.sub == "stix+json":
		if !m.hasVersion {
			return specTypeNoVersion
		}
		if m.version == taxiiVer {
			return specExact
		}
	}
	return specNone
}

// isTAXIIContentType reports whether a request Content-Type announces a
// TAXII 2.1 body: application/taxii+json with version 2.1 or no version
// (meaning the latest, 2.1), any case and spacing, other parameters such
// as charset ignored.
func isTAXIIContentType(header string) bool {
	if strings.Contains(header, ",") {
		return false
	}
	m, ok := parseMediaRange(header)
	if !ok || m.typ != "application" || m.sub != "taxii+json" {
		return false
	}
	return !m.hasVersion || m.version == taxiiVer
}
