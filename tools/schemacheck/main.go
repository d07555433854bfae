// Command schemacheck validates STIX 2.1 objects, one by one, against the
// OASIS STIX 2.1 JSON schemas (oasis-open/cti-stix2-json-schemas, schemas/)
// and, for the extension-defined objects, against the schemas published in
// oasis-open/cti-stix-common-objects. It is a separate module so that
// Herald itself does not depend on a JSON-schema library; the schemas are
// not in this repository (fetch them as README.md says).
//
// Usage: schemacheck [-schemas DIR] [-ext-as-2020] [-v] FILE...
// Each FILE is a JSON array of objects, a bundle, a TAXII envelope or one
// object ("-" reads stdin).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

const (
	oasisPrefix  = "raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/"
	commonPrefix = "raw.githubusercontent.com/oasis-open/cti-stix-common-objects/main/extension-definition-specifications/"

	incidentCoreExt = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"
	impactExt       = "extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9"
	tlp2Ext         = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
)

// extFiles maps the $id tails of the common-objects schemas to local files.
var extFiles = map[string]string{
	"incident-ef7/extension-definition--ef765651-680c-498d-9894-99799f2fa126.json":        "ext/incident-core.json",
	"incident-ef7/impact/extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9.json": "ext/impact.json",
	"tlp-2.0/extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d.json":             "ext/tlp2.json",
}

var (
	schemaDir = flag.String("schemas", "/tmp/oasis-schemas", "directory holding the schemas/ tree (common/, sdos/, …) and ext/")
	extAs2020 = flag.Bool("ext-as-2020", false, "evaluate the common-objects schemas (which declare draft-07 but use unevaluatedProperties) as draft 2020-12")
	verbose   = flag.Bool("v", false, "print every object checked")
)

// load resolves a schema URL to a file under schemaDir, so nothing is fetched.
func load(u string) (io.ReadCloser, error) {
	tail := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	tail, _, _ = strings.Cut(tail, "#")
	var path string
	switch {
	case strings.HasPrefix(tail, oasisPrefix):
		path = filepath.Join(*schemaDir, strings.TrimPrefix(tail, oasisPrefix))
	case strings.HasPrefix(tail, commonPrefix):
		f, ok := extFiles[strings.TrimPrefix(tail, commonPrefix)]
		if !ok {
			return nil, fmt.Errorf("no local copy of %s", u)
		}
		path = filepath.Join(*schemaDir, f)
	case strings.HasPrefix(u, "file://"):
		path = strings.TrimPrefix(u, "file://")
	default:
		return nil, fmt.Errorf("refusing to load %s (not a local schema)", u)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if *extAs2020 && strings.HasPrefix(tail, commonPrefix) {
		b = bytes.Replace(b, []byte(`"http://json-schema.org/draft-07/schema#"`), []byte(`"https://json-schema.org/draft/2020-12/schema"`), 1)
		b = bytes.Replace(b, []byte(`"http://json-schema.org/draft-07/schema"`), []byte(`"https://json-schema.org/draft/2020-12/schema"`), 1)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func oasisURL(rel string) string { return "http://" + oasisPrefix + rel }
func extURL(rel string) string   { return "https://" + commonPrefix + rel }

var (
	sdos = set("attack-pattern campaign course-of-action grouping identity incident indicator infrastructure intrusion-set location malware malware-analysis note observed-data opinion report threat-actor tool vulnerability")
	sros = set("relationship sighting")
	scos = set("artifact autonomous-system directory domain-name email-addr email-message file ipv4-addr ipv6-addr mac-addr mutex network-traffic process software url user-account windows-registry-key x509-certificate")
)

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Fields(s) {
		m[f] = true
	}
	return m
}

// schemasFor lists the schema URLs an object must satisfy, and a note when
// no OASIS schema covers its type.
func schemasFor(obj map[string]any) (urls []string, note string) {
	t, _ := obj["type"].(string)
	exts, _ := obj["extensions"].(map[string]any)
	switch {
	case sdos[t]:
		urls = append(urls, oasisURL("sdos/"+t+".json"))
	case sros[t]:
		urls = append(urls, oasisURL("sros/"+t+".json"))
	case scos[t]:
		urls = append(urls, oasisURL("observables/"+t+".json"))
	case t == "marking-definition" || t == "extension-definition" || t == "language-content":
		urls = append(urls, oasisURL("common/"+t+".json"))
	case t == "impact":
		// A new-sdo extension object: the OASIS impact schema, and the
		// SDO common properties every new-sdo must follow (STIX 2.1 §7.3),
		// which the impact schema itself leaves open ("extensions": {}).
		urls = append(urls, extURL("incident-ef7/impact/extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9.json"), oasisURL("common/core.json"))
	default:
		// A custom or extension-defined type with no published schema:
		// check the common properties of its kind.
		kind := ""
		for _, v := range exts {
			if m, ok := v.(map[string]any); ok {
				if k, ok := m["extension_type"].(string); ok && strings.HasPrefix(k, "new-") {
					kind = k
				}
			}
		}
		if kind == "new-sco" {
			urls = append(urls, oasisURL("common/cyber-observable-core.json"))
		} else {
			urls = append(urls, oasisURL("common/core.json"))
		}
		note = fmt.Sprintf("no published schema for type %q; checked common properties only (%s)", t, filepath.Base(urls[0]))
	}
	if _, ok := exts[incidentCoreExt]; ok && t == "incident" {
		urls = append(urls, extURL("incident-ef7/extension-definition--ef765651-680c-498d-9894-99799f2fa126.json"))
	}
	if _, ok := exts[tlp2Ext]; ok && t == "marking-definition" {
		urls = append(urls, extURL("tlp-2.0/extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d.json"))
	}
	return urls, note
}

// objectsOf splits a file into its STIX objects.
func objectsOf(data []byte) ([]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var arr []json.RawMessage
		return arr, json.Unmarshal(data, &arr)
	}
	var top struct {
		Objects json.RawMessage `json:"objects"`
		Type    string          `json:"type"`
	}
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, err
	}
	if top.Objects != nil && (top.Type == "" || top.Type == "bundle") {
		var arr []json.RawMessage
		return arr, json.Unmarshal(top.Objects, &arr)
	}
	return []json.RawMessage{data}, nil
}

func main() {
	flag.Parse()
	c := jsonschema.NewCompiler()
	c.LoadURL = load
	c.AssertFormat = true
	compiled := map[string]*jsonschema.Schema{}
	get := func(u string) (*jsonschema.Schema, error) {
		if s, ok := compiled[u]; ok {
			return s, nil
		}
		s, err := c.Compile(u)
		if err != nil {
			return nil, err
		}
		compiled[u] = s
		return s, nil
	}

	total, failed := 0, 0
	types := map[string]int{}
	notes := map[string]int{}
	for _, file := range flag.Args() {
		var data []byte
		var err error
		if file == "-" {
			data, err = io.ReadAll(os.Stdin)
		} else {
			data, err = os.ReadFile(file)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		objs, err := objectsOf(data)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
			os.Exit(2)
		}
		for i, raw := range objs {
			total++
			var obj map[string]any
			if err := json.Unmarshal(raw, &obj); err != nil {
				fmt.Printf("FAIL %s[%d]: not an object: %v\n", file, i, err)
				failed++
				continue
			}
			id, _ := obj["id"].(string)
			t, _ := obj["type"].(string)
			types[t]++
			// Validate the decoded value as the library expects (numbers as
			// json.Number keep integers exact).
			var v any
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			if err := dec.Decode(&v); err != nil {
				fmt.Printf("FAIL %s %s: %v\n", file, id, err)
				failed++
				continue
			}
			urls, note := schemasFor(obj)
			if note != "" {
				notes[note]++
			}
			ok := true
			for _, u := range urls {
				s, err := get(u)
				if err != nil {
					fmt.Printf("FAIL %s %s: compile %s: %v\n", file, id, u, err)
					ok = false
					continue
				}
				if err := s.Validate(v); err != nil {
					ok = false
					ve, isVE := err.(*jsonschema.ValidationError)
					if !isVE {
						fmt.Printf("FAIL %s %s [%s]: %v\n", file, id, filepath.Base(u), err)
						continue
					}
					fmt.Printf("FAIL %s %s against %s\n", file, id, strings.TrimPrefix(strings.TrimPrefix(u, "http://"+oasisPrefix), "https://"+commonPrefix))
					for _, e := range leaves(ve) {
						fmt.Printf("    at %q  schema %s\n        %s\n", e.InstanceLocation, shortURL(e.AbsoluteKeywordLocation), e.Message)
					}
				}
			}
			if ok {
				if *verbose {
					fmt.Printf("ok   %s %s (%d schema(s))\n", file, id, len(urls))
				}
			} else {
				failed++
			}
		}
	}
	var tl []string
	for t, n := range types {
		tl = append(tl, fmt.Sprintf("%s:%d", t, n))
	}
	sort.Strings(tl)
	fmt.Printf("\n%d objects checked, %d failed\ntypes: %s\n", total, failed, strings.Join(tl, " "))
	for n, k := range notes {
		fmt.Printf("note (%d objects): %s\n", k, n)
	}
	if failed > 0 {
		os.Exit(1)
	}
}

// leaves returns the innermost errors of a validation error tree: the ones
// that say what is wrong rather than which combinator failed.
func leaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	var out []*jsonschema.ValidationError
	for _, c := range e.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

func shortURL(u string) string {
	u = strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://")
	u = strings.TrimPrefix(u, oasisPrefix)
	return strings.TrimPrefix(u, commonPrefix)
}
