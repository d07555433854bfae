package feed

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decoder walks a yaml.Node tree, filling an Advisory and collecting every
// problem with its position. It never stops at the first error.
type decoder struct {
	errs *errorSink
}

// field describes one allowed key of a YAML mapping.
type field struct {
	name     string
	required bool
	set      func(v *yaml.Node, path string)
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

func (d *decoder) errAt(n *yaml.Node, path, format string, args ...any) {
	d.errs.add(n.Line, n.Column, path, format, args...)
}

// mapping decodes a mapping node against a fixed set of fields: unknown
// keys, duplicate keys and missing required keys are errors.
func (d *decoder) mapping(n *yaml.Node, path string, fields []field) {
	if n.Kind != yaml.MappingNode {
		d.errAt(n, path, "must be a mapping (key: value lines), got %s", kindName(n))
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errAt(k, path, "keys must be plain names, got %s", kindName(k))
			continue
		}
		name := k.Value
		fpath := join(path, name)
		if prev, dup := seen[name]; dup {
			d.errAt(k, fpath, "duplicate key (first given at line %d)", prev.Line)
			continue
		}
		seen[name] = k
		f := findField(fields, name)
		if f == nil {
			msg := fmt.Sprintf("unknown field %q", name)
			if s := suggest(name, fields); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			d.errAt(k, fpath, "%s", msg)
			continue
		}
		if isNull(v) {
			if f.required {
				d.errAt(k, fpath, "must not be empty")
			}
			continue
		}
		f.set(v, fpath)
	}
	for _, f := range fields {
		if _, ok := seen[f.name]; f.required && !ok {
			d.errAt(n, join(path, f.name), "missing required field %q", f.name)
		}
	}
}

func findField(fields []field, name string) *field {
	for i := range fields {
		if fields[i].name == name {
			return &fields[i]
		}
	}
	return nil
}

// suggest returns the known field closest to a mistyped one, if close.
func suggest(name string, fields []field) string {
	best, bestDist := "", 3
	for _, f := range fields {
		if dd := editDistance(strings.ToLower(name), f.name); dd < bestDist {
			best, bestDist = f.name, dd
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "a document"
}

// str decodes a non-empty single-line-or-block text scalar.
func (d *decoder) str(dst *string) func(*yaml.Node, string) {
	return func(v *yaml.Node, path string) {
		if v.Kind != yaml.ScalarNode {
			d.errAt(v, path, "must be text, got %s", kindName(v))
			return
		}
		if strings.TrimSpace(v.Value) == "" {
			d.errAt(v, path, "must not be empty")
			return
		}
		*dst = v.Value
	}
}

// oneOf decodes a text scalar that must be one of the allowed values.
func (d *decoder) oneOf(dst *string, allowed ...string) func(*yaml.Node, string) {
	return func(v *yaml.Node, path string) {
		var s string
		d.str(&s)(v, path)
		if s == "" {
			return
		}
		for _, a := range allowed {
			if s == a {
				*dst = s
				return
			}
		}
		d.errAt(v, path, "%q is not one of %s", s, strings.Join(allowed, ", "))
	}
}

// vocab decodes an open-vocabulary term: lower case words joined by hyphens.
func (d *decoder) vocab(dst *string) func(*yaml.Node, string) {
	return func(v *yaml.Node, path string) {
		var s string
		d.str(&s)(v, path)
		if s == "" {
			return
		}
		if !reVocab.MatchString(s) {
			d.errAt(v, path, "%q is not a vocabulary term (lower-case words joined by hyphens, e.g. financial-gain)", s)
			return
		}
		*dst = s
	}
}

// list decodes a sequence, calling item for each element.
func (d *decoder) list(v *yaml.Node, path string, item func(n *yaml.Node, path string)) {
	if v.Kind != yaml.SequenceNode {
		d.errAt(v, path, "must be a list (lines starting with \"- \"), got %s", kindName(v))
		return
	}
	for i, n := range v.Content {
		item(n, index(path, i))
	}
}

// strs decodes a list of non-empty, distinct text values.
func (d *decoder) strs(dst *[]string) func(*yaml.Node, string) {
	return func(v *yaml.Node, path string) {
		seen := map[string]bool{}
		d.list(v, path, func(n *yaml.Node, p string) {
			var s string
			d.str(&s)(n, p)
			if s == "" {
				return
			}
			if seen[s] {
				d.errAt(n, p, "%q is listed twice", s)
				return
			}
			seen[s] = true
			*dst = append(*dst, s)
		})
	}
}

// vocabs decodes a list of open-vocabulary terms.
func (d *decoder) vocabs(dst *[]string) func(*yaml.Node, string) {
	return func(v *yaml.Node, path string) {
		d.list(v, path, func(n *yaml.Node, p string) {
			var s string
			d.vocab(&s)(n, p)
			if s != "" {
				*dst = append(*dst, s)
			}
		})
	}
}

// date decodes a date of any precision.
func (d *decoder) date(dst *Date) func(*yaml.Node, string) {
	return func(v *yaml.Node, path string) {
		if v.Kind != yaml.ScalarNode {
			d.errAt(v, path, "must be a date, got %s", kindName(v))
			return
		}
		dt, err := ParseDate(v.Value)
		if err != nil {
			d.errAt(v, path, "%v", err)
			return
		}
		*dst = dt
	}
}

// amount decodes a positive number, allowing "_" as a digit separator.
func (d *decoder) amount(dst *float64) func(*yaml.Node, string) {
	return func(v *yaml.Node, path string) {
		if v.Kind != yaml.ScalarNode || (v.Tag != "!!int" && v.Tag != "!!float" && v.Tag != "!!str") {
			d.errAt(v, path, "must be a number, got %s", kindName(v))
			return
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(v.Value, "_", ""), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			d.errAt(v, path, "%q is not a number (write digits, optionally with _ between them: 235_000_000)", v.Value)
			return
		}
		if f <= 0 {
			d.errAt(v, path, "must be greater than zero, got %s", v.Value)
			return
		}
		if f > 1e15 {
			d.errAt(v, path, "%s is implausibly large (more than 10^15)", v.Value)
			return
		}
		*dst = f
	}
}

// boolean decodes true or false.
func (d *decoder) boolean(dst *bool) func(*yaml.Node, string) {
	return func(v *yaml.Node, path string) {
		if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
			d.errAt(v, path, "must be true or false, got %s", kindName(v))
			return
		}
		*dst = v.Value == "true" || v.Value == "True" || v.Value == "TRUE"
	}
}
