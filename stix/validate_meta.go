package stix

import "strings"

// Rules of the meta objects (STIX 2.1 §7).

// vCheckLanguageContent: object_ref is not a bundle or language-content;
// contents maps language tags to non-empty dictionaries.
func vCheckLanguageContent(s *vState) {
	if ref, ok := decodeString(s.members["object_ref"]); ok {
		if strings.HasPrefix(ref, "language-content--") || strings.HasPrefix(ref, "bundle--") {
			s.addf("object_ref", "must not refer to a %s", ref[:strings.Index(ref, "--")])
		}
	}
	s.timeOrder("object_modified", "modified", false)
	_ = decodeMembers(s.members["contents"], func(lang string, v []byte) bool {
		p := "contents." + lang
		if reason := vLangProblem(lang); reason != "" {
			s.addf(p, "%q is not an RFC 5646 language tag: %s", lang, reason)
		}
		if s.object(p, v) && string(v) == "{}" {
			s.addf(p, "must not be empty")
		}
		return true
	})
}

// vCheckMarkingDefinition: definition_type and definition go together; a
// marking without them must be defined by an extension (TLP 2.0 is); the
// "statement" and "tlp" definitions have their fixed shapes.
func vCheckMarkingDefinition(s *vState) {
	dt, hasDT := s.members["definition_type"]
	def, hasDef := s.members["definition"]
	switch {
	case hasDT && !hasDef:
		s.addf("definition", "required when definition_type is present")
	case hasDef && !hasDT:
		s.addf("definition_type", "required when definition is present")
	case !hasDT && !hasDef && s.spec == "2.1" && !s.has("extensions"):
		s.addf("", "marking-definition needs definition_type and definition, or an extension that defines it")
	}
	typ, _ := decodeString(dt)
	if !hasDef || len(def) == 0 || def[0] != '{' {
		return
	}
	m := vMembers(def)
	switch typ {
	case "statement":
		if raw, ok := m["statement"]; !ok {
			s.addf("definition.statement", "required property missing")
		} else {
			s.str("definition.statement", raw)
		}
	case "tlp":
		if raw, ok := m["tlp"]; !ok {
			s.addf("definition.tlp", "required property missing")
		} else {
			s.enum("definition.tlp", vTLPLevels, raw)
		}
	}
}

// vCheckExtensionDefinition: extension_properties only for
// toplevel-property-extension definitions.
func vCheckExtensionDefinition(s *vState) {
	if !s.has("extension_properties") {
		return
	}
	top := false
	decodeElements(s.members["extension_types"], func(_ int, v []byte) bool {
		if t, _ := decodeString(v); t == "toplevel-property-extension" {
			top = true
		}
		return true
	})
	if !top {
		s.addf("extension_properties", "only allowed when extension_types has toplevel-property-extension")
	}
}
