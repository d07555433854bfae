package stix

// Cross-property rules of the STIX Domain Objects and Relationship Objects
// (STIX 2.1 §4 and §5).

// vCheckFirstLastSeen: last_seen must not be earlier than first_seen.
func vCheckFirstLastSeen(s *vState) {
	s.timeOrder("first_seen", "last_seen", false)
}

// vCheckIndicator: valid_until after valid_from; STIX patterns parse.
func vCheckIndicator(s *vState) {
	s.timeOrder("valid_from", "valid_until", true)
	pat, ok := decodeString(s.members["pattern"])
	if !ok {
		return
	}
	pt, hasType := decodeString(s.members["pattern_type"])
	// STIX 2.0 indicators have no pattern_type: their patterns are STIX.
	if pt == vPatternTypeSTIX || (!hasType && s.spec == "2.0") {
		s.checkPattern("pattern", pat)
	}
}

// vCheckLocation: region, country or latitude and longitude; latitude and
// longitude go together; precision needs both.
func vCheckLocation(s *vState) {
	lat, lon := s.has("latitude"), s.has("longitude")
	if !s.has("region") && !s.has("country") && !(lat && lon) {
		s.addf("", "location needs region, country, or latitude and longitude")
	}
	if lat != lon {
		if lat {
			s.addf("longitude", "required when latitude is present")
		} else {
			s.addf("latitude", "required when longitude is present")
		}
	}
	if s.has("precision") && !(lat && lon) {
		s.addf("precision", "only allowed with latitude and longitude")
	}
}

// vCheckMalware: a family needs a name; last_seen not before first_seen.
func vCheckMalware(s *vState) {
	if s.spec == "2.1" && string(s.members["is_family"]) == "true" && !s.has("name") {
		s.addf("name", "required when is_family is true")
	}
	s.timeOrder("first_seen", "last_seen", false)
}

// vCheckMalwareAnalysis: result or analysis_sco_refs must be present.
func vCheckMalwareAnalysis(s *vState) {
	if !s.has("result") && !s.has("analysis_sco_refs") {
		s.addf("", "malware-analysis needs result or analysis_sco_refs")
	}
	s.timeOrder("analysis_started", "analysis_ended", false)
}

// vCheckObservedData: last_observed not before first_observed; in 2.1
// exactly one of objects (deprecated) and object_refs.
func vCheckObservedData(s *vState) {
	s.timeOrder("first_observed", "last_observed", false)
	objs, refs := s.has("objects"), s.has("object_refs")
	if s.spec == "2.1" {
		switch {
		case objs && refs:
			s.addf("objects", "must not be present together with object_refs")
		case !objs && !refs:
			s.addf("object_refs", "required property missing (or the deprecated objects)")
		}
	}
	if objs {
		_ = decodeMembers(s.members["objects"], func(k string, v []byte) bool {
			if s.object("objects."+k, v) {
				m := vMembers(v)
				if t, ok := decodeString(m["type"]); !ok || vTypeNameProblem(t) != "" {
					s.addf("objects."+k+".type", "must be a valid object type name")
				}
			}
			return true
		})
	}
}

// vCheckRelationship: relationship_type syntax; stop_time after start_time.
func vCheckRelationship(s *vState) {
	if rt, ok := decodeString(s.members["relationship_type"]); ok {
		if reason := vRelationshipTypeProblem(rt); reason != "" {
			s.addf("relationship_type", "%q: %s", rt, reason)
		}
	}
	s.timeOrder("start_time", "stop_time", true)
}

// vRelationshipTypeProblem: ASCII a–z, 0–9 and hyphen (STIX 2.1 §5.1).
func vRelationshipTypeProblem(rt string) string {
	if rt == "" {
		return "must not be empty"
	}
	for i := 0; i < len(rt); i++ {
		c := rt[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return "only a-z, 0-9 and hyphen are allowed"
		}
	}
	return ""
}

// vCheckSighting: last_seen not before first_seen.
func vCheckSighting(s *vState) {
	s.timeOrder("first_seen", "last_seen", false)
}
