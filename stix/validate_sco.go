package stix

import (
	"net/netip"
	"strconv"
	"strings"
)

// Cross-property rules of the STIX Cyber-observable Objects (STIX 2.1 §6).

// vCheckArtifact: payload_bin or url (not both); url needs hashes;
// decryption_key needs encryption_algorithm.
func vCheckArtifact(s *vState) {
	bin, url := s.has("payload_bin"), s.has("url")
	switch {
	case bin && url:
		s.addf("url", "must not be present together with payload_bin")
	case !bin && !url:
		s.addf("", "artifact needs payload_bin or url")
	case url && !s.has("hashes"):
		s.addf("hashes", "required when url is present")
	}
	if s.has("decryption_key") && !s.has("encryption_algorithm") {
		s.addf("decryption_key", "only allowed with encryption_algorithm")
	}
}

// vCheckEmailMessage: body only when not multipart, body_multipart only
// when multipart; each MIME part has body or body_raw_ref.
func vCheckEmailMessage(s *vState) {
	switch string(s.members["is_multipart"]) {
	case "true":
		if s.has("body") {
			s.addf("body", "not allowed when is_multipart is true")
		}
	case "false":
		if s.has("body_multipart") {
			s.addf("body_multipart", "not allowed when is_multipart is false")
		}
	}
	decodeElements(s.members["body_multipart"], func(i int, v []byte) bool {
		p := "body_multipart[" + strconv.Itoa(i) + "]"
		m := vMembers(v)
		_, body := m["body"]
		raw, ref := m["body_raw_ref"]
		switch {
		case body && ref:
			s.addf(p, "has both body and body_raw_ref; want one")
		case !body && !ref:
			s.addf(p, "needs body or body_raw_ref")
		case ref:
			s.checkValue(p+".body_raw_ref", vpRef("artifact", "file"), raw)
		}
		return true
	})
}

// vCheckFile: a file needs hashes or name.
func vCheckFile(s *vState) {
	if !s.has("hashes") && !s.has("name") {
		s.addf("", "file needs hashes or name")
	}
}

// vCheckIPv4 and vCheckIPv6: value is an address or a CIDR block of the
// right family.
func vCheckIPv4(s *vState) { s.ipValue(true) }
func vCheckIPv6(s *vState) { s.ipValue(false) }

func (s *vState) ipValue(v4 bool) {
	v, ok := decodeString(s.members["value"])
	if !ok {
		return
	}
	var addr netip.Addr
	var err error
	if strings.Contains(v, "/") {
		var p netip.Prefix
		p, err = netip.ParsePrefix(v)
		addr = p.Addr()
	} else {
		addr, err = netip.ParseAddr(v)
	}
	family := "IPv6"
	if v4 {
		family = "IPv4"
	}
	if err != nil || addr.Is4() != v4 || addr.Zone() != "" {
		s.addf("value", "%q is not an %s address or CIDR block", v, family)
	}
}

// vCheckMACAddr: a colon-delimited, lower-case MAC-48 with leading zeros.
func vCheckMACAddr(s *vState) {
	v, ok := decodeString(s.members["value"])
	if !ok {
		return
	}
	good := len(v) == 17
	for i := 0; good && i < 17; i++ {
		c := v[i]
		if i%3 == 2 {
			good = c == ':'
		} else {
			good = '0' <= c && c <= '9' || 'a' <= c && c <= 'f'
		}
	}
	if !good {
		s.addf("value", "%q is not a lower-case, colon-delimited MAC-48 address (00:00:5e:00:53:af)", v)
	}
}

// vCheckNetworkTraffic: src_ref or dst_ref; no end while active; end not
// before start.
func vCheckNetworkTraffic(s *vState) {
	if !s.has("src_ref") && !s.has("dst_ref") {
		s.addf("", "network-traffic needs src_ref or dst_ref")
	}
	if string(s.members["is_active"]) == "true" && s.has("end") {
		s.addf("end", "not allowed when is_active is true")
	}
	s.timeOrder("start", "end", false)
}

// vCheckAtLeastOne: the object has at least one property of its own type
// (or an extension), as process, user-account and x509-certificate must.
func vCheckAtLeastOne(s *vState) {
	if s.has("extensions") {
		return
	}
	for name := range s.t.props {
		if s.has(name) {
			return
		}
	}
	s.addf("", "%s needs at least one of its own properties", s.typ)
}

// vCheckRegistryKey: at least one property; full hive names; registry
// values each with name, data or data_type.
func vCheckRegistryKey(s *vState) {
	vCheckAtLeastOne(s)
	if key, ok := decodeString(s.members["key"]); ok {
		hive, _, _ := strings.Cut(key, `\`)
		switch strings.ToUpper(hive) {
		case "HKLM", "HKCC", "HKCR", "HKCU", "HKU":
			s.addf("key", "hive %q must be written in full (e.g. HKEY_LOCAL_MACHINE)", hive)
		}
	}
	decodeElements(s.members["values"], func(i int, v []byte) bool {
		p := "values[" + strconv.Itoa(i) + "]"
		m := vMembers(v)
		if !s.anyOf(m, "name", "data", "data_type") {
			s.addf(p, "needs name, data or data_type")
		}
		if raw, ok := m["data_type"]; ok {
			s.enum(p+".data_type", vRegistryDataTypes, raw)
		}
		return true
	})
}
