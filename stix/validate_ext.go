package stix

import "strings"

// extensions checks an extensions dictionary (STIX 2.1 §3.2, §7.3). Each
// key is either the id of an extension-definition, whose value must carry
// an extension_type from extension-type-enum, or the name of a predefined
// extension of the object's type (file's "ntfs-ext", …), or a deprecated
// custom extension name ending in "-ext".
func (s *vState) extensions(path string, val []byte) {
	if !s.object(path, val) {
		return
	}
	if string(val) == "{}" {
		s.addf(path, "must have at least one extension")
		return
	}
	_ = decodeMembers(val, func(key string, v []byte) bool {
		ip := path + "." + key
		if string(v) == "null" || !s.object(ip, v) {
			return true
		}
		switch {
		case strings.HasPrefix(key, "extension-definition--"):
			s.definedExtension(ip, key, v)
		case vPredefinedExtensions[key] != nil || vIsPredefinedExtension(key):
			s.predefinedExtension(ip, key, v)
		case strings.HasSuffix(key, "-ext") && vTypeNameProblem(key) == "":
			// A STIX 2.0-style custom extension: deprecated in 2.1, allowed.
			if string(v) == "{}" {
				s.addf(ip, "must not be empty")
			}
		default:
			s.addf(ip, "not an extension-definition id or a predefined extension name")
		}
		return true
	})
}

func vIsPredefinedExtension(name string) bool {
	_, ok := vPredefinedExtensions[name]
	return ok
}

// definedExtension checks an extension keyed by an extension-definition id.
func (s *vState) definedExtension(path, key string, v []byte) {
	if reason := vIdentifierProblem(key); reason != "" {
		s.addf(path, "%q is not a valid extension-definition id: %s", key, reason)
	}
	m := vMembers(v)
	raw, ok := m["extension_type"]
	if !ok {
		s.addf(path+".extension_type", "required property missing")
		return
	}
	s.enum(path+".extension_type", vExtensionTypes, raw)
	et, _ := decodeString(raw)
	switch et {
	case "new-sdo", "new-sco", "new-sro":
		if s.t != nil {
			s.addf(path+".extension_type", "%s defines a new object type, but %s is a predefined type", et, s.typ)
		}
	}
}

// predefinedExtension checks one of the predefined SCO extensions.
func (s *vState) predefinedExtension(path, key string, v []byte) {
	allowed := false
	if s.t != nil {
		for _, e := range s.t.exts {
			if e == key {
				allowed = true
			}
		}
	}
	if !allowed {
		s.addf(path, "%s is not a predefined extension of %s", key, s.typ)
		return
	}
	m := vMembers(v)
	if len(m) == 0 {
		s.addf(path, "must not be empty")
	}
	for _, req := range vPredefinedExtensions[key] {
		if _, ok := m[req]; !ok {
			s.addf(path+"."+req, "required property missing")
		}
	}
	switch key {
	case "archive-ext":
		if raw, ok := m["contains_refs"]; ok {
			s.checkValue(path+".contains_refs", vpRefs("file", "directory"), raw)
		}
	case "socket-ext":
		if raw, ok := m["address_family"]; ok {
			s.enum(path+".address_family", vSocketAddressFamilies, raw)
		}
	case "icmp-ext":
		for _, k := range []string{"icmp_type_hex", "icmp_code_hex"} {
			if raw, ok := m[k]; ok {
				s.checkValue(path+"."+k, vpHex(), raw)
			}
		}
	}
}
