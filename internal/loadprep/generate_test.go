package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/stix/pattern"
)

// genObjects makes the first n objects of a stream of total.
func genObjects(t testing.TB, seed uint64, n, total int) []stix.Object {
	t.Helper()
	g := newGenerator(seed, total)
	objs := make([]stix.Object, n)
	for i := range objs {
		o, err := g.next()
		if err != nil {
			t.Fatalf("next #%d: %v", i, err)
		}
		objs[i] = o
	}
	return objs
}

func TestGeneratedObjectsAreValidSTIX21(t *testing.T) {
	for i, o := range genObjects(t, 1, 3000, 3000) {
		if err := stix.Validate(o); err != nil {
			t.Fatalf("object #%d %s is not valid STIX 2.1: %v\n%s", i, o.ID, err, o.JSON)
		}
	}
}

// The fields loadprep fills in itself must be the ones the decoder (which
// the server's add endpoint uses) would extract from the same bytes.
func TestGeneratedObjectFieldsMatchDecoder(t *testing.T) {
	for i, o := range genObjects(t, 2, 500, 500) {
		dec, err := stix.Decode(o.JSON, stix.DecodeOptions{})
		if err != nil {
			t.Fatalf("decode #%d: %v", i, err)
		}
		if len(dec) != 1 {
			t.Fatalf("decode #%d: got %d objects, want 1", i, len(dec))
		}
		d := dec[0]
		if d.Type != o.Type || d.ID != o.ID || d.SpecVersion != o.SpecVersion ||
			d.Created != o.Created || d.Modified != o.Modified || d.Version() != o.Version() {
			t.Fatalf("object #%d: generated %+v, decoder says %+v", i, fieldsOf(o), fieldsOf(d))
		}
		if !bytes.Equal(d.JSON, o.JSON) {
			t.Fatalf("object #%d: decoder changed the bytes (generated JSON is not compact)", i)
		}
	}
}

func fieldsOf(o stix.Object) [5]string {
	return [5]string{o.Type, o.ID, o.SpecVersion, o.Created, o.Modified}
}

func TestGeneratedObjectSizesAreRealistic(t *testing.T) {
	const lo, hi = 450, 1100
	var sum int
	objs := genObjects(t, 3, 5000, 5000)
	for i, o := range objs {
		n := len(o.JSON)
		sum += n
		if n < lo || n > hi {
			t.Errorf("object #%d (%s) is %d bytes, want %d..%d:\n%s", i, o.Type, n, lo, hi, o.JSON)
		}
	}
	t.Logf("average object size %d bytes", sum/len(objs))
	if avg := sum / len(objs); avg < 650 || avg > 850 {
		t.Errorf("average object size %d bytes, want 650..850", avg)
	}
}

func TestGeneratedTypeMixIsOnePercentMalware(t *testing.T) {
	count := map[string]int{}
	for _, o := range genObjects(t, 4, 10000, 10000) {
		count[o.Type]++
	}
	if got, want := count["malware"], 10000/otherTypeEvery; got != want {
		t.Errorf("malware objects = %d, want %d", got, want)
	}
	if got, want := count["indicator"], 10000-10000/otherTypeEvery; got != want {
		t.Errorf("indicator objects = %d, want %d", got, want)
	}
	if len(count) != 2 {
		t.Errorf("types = %v, want indicator and malware only", count)
	}
}

func TestGeneratedPatternsVary(t *testing.T) {
	kinds := map[string]bool{}
	for _, o := range genObjects(t, 5, 2000, 2000) {
		if o.Type != "indicator" {
			continue
		}
		var p struct{ Pattern string }
		if err := json.Unmarshal(o.JSON, &p); err != nil {
			t.Fatal(err)
		}
		pat, err := pattern.Parse(p.Pattern)
		if err != nil {
			t.Fatalf("pattern %q: %v", p.Pattern, err)
		}
		for _, typ := range pat.ObjectTypes() {
			kinds[typ] = true
		}
	}
	for _, want := range []string{"ipv4-addr", "ipv6-addr", "domain-name", "url", "file", "email-message"} {
		if !kinds[want] {
			t.Errorf("no pattern on %s among 2000 objects (saw %v)", want, kinds)
		}
	}
}

func TestGeneratorIsDeterministicAndIDsAreUnique(t *testing.T) {
	a := genObjects(t, 6, 2000, 2000)
	b := genObjects(t, 6, 2000, 2000)
	c := genObjects(t, 7, 2000, 2000)
	ids := map[string]bool{}
	for i := range a {
		if !bytes.Equal(a[i].JSON, b[i].JSON) {
			t.Fatalf("object #%d differs between two runs with the same seed", i)
		}
		if bytes.Equal(a[i].JSON, c[i].JSON) {
			t.Fatalf("object #%d is the same with seeds 6 and 7", i)
		}
		if ids[a[i].ID] {
			t.Fatalf("duplicate id %s at #%d", a[i].ID, i)
		}
		ids[a[i].ID] = true
	}
}

func TestGeneratedCreatedTimesFollowStreamOrder(t *testing.T) {
	objs := genObjects(t, 8, 1000, 1000)
	for i := 1; i < len(objs); i++ {
		if objs[i].Created < objs[i-1].Created { // same layout: string order is time order
			t.Fatalf("created of #%d (%s) is before #%d (%s)", i, objs[i].Created, i-1, objs[i-1].Created)
		}
		if objs[i].Modified < objs[i].Created {
			t.Fatalf("#%d: modified %s before created %s", i, objs[i].Modified, objs[i].Created)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	g := newGenerator(1, b.N)
	var size int
	for b.Loop() {
		o, err := g.next()
		if err != nil {
			b.Fatal(err)
		}
		size += len(o.JSON)
	}
	b.ReportMetric(float64(size)/float64(b.N), "bytes/object")
}
