package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// Re-importing the next release of a third-party dataset: the
// same version re-serialised with another key order is "unchanged"; a
// version the publisher edited in place (same modified) is a conflict,
// settled by --on-conflict keep|replace|fail. The fixtures are two
// "releases" built from the committed ATT&CK for ICS bundle, and every
// command runs the built herald binary.

// releases are two releases of ATT&CK for ICS: A as published, B with
// every object re-serialised (reversed key order, string members
// re-encoded so "&" becomes "\u0026") and some edited in place.
type releases struct {
	a, b       string   // bundle files
	aObjs      [][]byte // compact objects of A, in order
	bObjs      [][]byte // compact objects of B, in order (as B stores them)
	edited     []string // ids of the objects of B edited without a new modified, in B order
	newVersion string   // id of the object that has a new modified in B
	byID       map[string]int
}

func (r *releases) isEdited(id string) bool { return slices.Contains(r.edited, id) }

func buildReleases(t *testing.T, dir string) *releases {
	t.Helper()
	_, aObjs := icsFile(t, dir)
	r := &releases{aObjs: aObjs, byID: map[string]int{}}
	r.a = filepath.Join(dir, "release-a.json")
	writeBundle(t, r.a, strs(aObjs)...)
	withDescription := 0
	for i, raw := range aObjs {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		var id string
		json.Unmarshal(m["id"], &id)
		r.byID[id] = i
		_, hasModified := m["modified"]
		switch {
		case m["description"] != nil && hasModified && withDescription%25 == 0:
			var d string
			json.Unmarshal(m["description"], &d)
			m["description"], _ = json.Marshal(d + " (corrected in place by the publisher)")
			r.edited = append(r.edited, id)
			withDescription++
		case m["description"] != nil:
			withDescription++
			if r.newVersion == "" && hasModified && strings.HasPrefix(id, "attack-pattern--") {
				m["modified"] = json.RawMessage(`"2030-01-01T00:00:00.000Z"`)
				r.newVersion = id
			}
		}
		r.bObjs = append(r.bObjs, reserialise(t, m))
	}
	if len(r.edited) < 10 || r.newVersion == "" {
		t.Fatalf("fixture: %d edited objects, new version %q", len(r.edited), r.newVersion)
	}
	// B really differs byte for byte from A everywhere.
	for i := range aObjs {
		if bytes.Equal(aObjs[i], r.bObjs[i]) {
			t.Fatalf("fixture: object %d is byte-equal in both releases", i)
		}
	}
	r.b = filepath.Join(dir, "release-b.json")
	writeBundle(t, r.b, strs(r.bObjs)...)
	return r
}

// reserialise writes the members in reverse key order, re-encoding string
// values with encoding/json (which escapes &, < and > as \u00XX).
func reserialise(t *testing.T, m map[string]json.RawMessage) []byte {
	t.Helper()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(keys)))
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		v := m[k]
		var s string
		if json.Unmarshal(v, &s) == nil {
			v, _ = json.Marshal(s)
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes()
}

func strs(objs [][]byte) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = string(o)
	}
	return out
}

func mustRunBin(t *testing.T, dir string, e env, args ...string) result {
	t.Helper()
	r := runBin(t, dir, e, args...)
	if r.code != 0 {
		t.Fatalf("herald %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r
}

// ndjsonLines splits an ndjson export.
func ndjsonLines(s string) [][]byte {
	var out [][]byte
	for l := range strings.SplitSeq(strings.TrimSuffix(s, "\n"), "\n") {
		if l != "" {
			out = append(out, []byte(l))
		}
	}
	return out
}

// objectID reads the id of a compact object.
func objectID(t *testing.T, o []byte) string {
	t.Helper()
	var v struct{ ID string }
	if err := json.Unmarshal(o, &v); err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// wantConflictLines checks that the report names every edited object on
// a line starting with prefix, and nothing else on such lines.
func wantConflictLines(t *testing.T, stderr, prefix string, r *releases) {
	t.Helper()
	var named []string
	for l := range strings.SplitSeq(stderr, "\n") {
		if strings.HasPrefix(l, prefix) {
			for _, f := range strings.Split(l, ": ") {
				if strings.Contains(f, "--") && !strings.Contains(f, " ") {
					named = append(named, f)
				}
			}
		}
	}
	got, want := slices.Sorted(slices.Values(named)), slices.Sorted(slices.Values(r.edited))
	if !slices.Equal(got, want) {
		t.Errorf("%q lines name %d objects, want the %d edited ones:\n%s", prefix, len(got), len(want), stderr)
	}
}

func TestReimportNextReleaseUnderEachPolicy(t *testing.T) {
	dir := t.TempDir()
	r := buildReleases(t, dir)
	k, n := len(r.edited), len(r.aObjs)
	unchanged := n - k - 1

	setup := func(t *testing.T, name string) env {
		e := env{"HERALD_DB": filepath.Join(dir, name+".db")}
		mustRunBin(t, dir, e, "collection", "add", "--title", "ATT&CK for ICS", "--alias", "ics")
		out := mustRunBin(t, dir, e, "import", "--collection", "ics", r.a)
		if !strings.Contains(out.stderr, fmt.Sprintf("%s added, 0 new versions, 0 unchanged, 0 replaced, 0 conflicts kept, 0 rejected", formatCount(int64(n)))) {
			t.Fatalf("import of release A:\n%s", out.stderr)
		}
		return e
	}

	t.Run("keep", func(t *testing.T) {
		e := setup(t, "keep")
		out := runBin(t, dir, e, "import", "--collection", "ics", r.b) // keep is the collection's default
		want := fmt.Sprintf("0 added, 1 new versions, %s unchanged, 0 replaced, %d conflicts kept, 0 rejected", formatCount(int64(unchanged)), k)
		if out.code != 0 || !strings.Contains(out.stderr, want) {
			t.Fatalf("exit %d, want 0 and %q:\n%s", out.code, want, out.stderr)
		}
		wantConflictLines(t, out.stderr, "conflict: ", r)
		// The stored versions are release A's bytes, except the new version.
		for _, o := range ndjsonLines(mustRunBin(t, dir, e, "export", "--collection", "ics", "--format", "ndjson").stdout) {
			id := objectID(t, o)
			want := r.aObjs[r.byID[id]]
			if id == r.newVersion {
				want = r.bObjs[r.byID[id]]
			}
			if !bytes.Equal(o, want) {
				t.Fatalf("stored %s = %.200s, want %.200s", id, o, want)
			}
		}
		mustRunBin(t, dir, e, "check")
	})

	t.Run("replace", func(t *testing.T) {
		e := setup(t, "replace")
		out := runBin(t, dir, e, "import", "--collection", "ics", "--on-conflict", "replace", r.b)
		want := fmt.Sprintf("0 added, 1 new versions, %s unchanged, %d replaced, 0 conflicts kept, 0 rejected", formatCount(int64(unchanged)), k)
		if out.code != 0 || !strings.Contains(out.stderr, want) {
			t.Fatalf("exit %d, want 0 and %q:\n%s", out.code, want, out.stderr)
		}
		wantConflictLines(t, out.stderr, "replaced: ", r)
		// Export walks date_added order: the replaced versions and the new
		// version come last, in release B's order, with B's bytes; every
		// object is there once.
		got := ndjsonLines(mustRunBin(t, dir, e, "export", "--collection", "ics", "--format", "ndjson").stdout)
		if len(got) != n {
			t.Fatalf("export: %d objects, want %d", len(got), n)
		}
		var tail [][]byte
		for i, o := range r.bObjs {
			if id := objectID(t, r.aObjs[i]); r.isEdited(id) || id == r.newVersion {
				tail = append(tail, o)
			}
		}
		sameObjects(t, got[n-len(tail):], tail)
		// Every version once: the edited objects have one version each.
		all := ndjsonLines(mustRunBin(t, dir, e, "export", "--collection", "ics", "--all-versions", "--format", "ndjson").stdout)
		if len(all) != n+1 {
			t.Errorf("--all-versions: %d versions, want %d", len(all), n+1)
		}
		seen := map[string]int{}
		for _, o := range all {
			seen[objectID(t, o)]++
		}
		for _, id := range r.edited {
			if seen[id] != 1 {
				t.Errorf("%s: %d versions, want 1", id, seen[id])
			}
		}
		mustRunBin(t, dir, e, "check")
		// Release B again: now everything is unchanged.
		out = mustRunBin(t, dir, e, "import", "--collection", "ics", "--on-conflict", "replace", r.b)
		if want := fmt.Sprintf("0 added, 0 new versions, %s unchanged, 0 replaced, 0 conflicts kept, 0 rejected", formatCount(int64(n))); !strings.Contains(out.stderr, want) {
			t.Errorf("second import of B: want %q:\n%s", want, out.stderr)
		}
	})

	t.Run("fail", func(t *testing.T) {
		e := setup(t, "fail")
		before := mustRunBin(t, dir, e, "export", "--collection", "ics", "--all-versions", "--format", "ndjson").stdout
		out := runBin(t, dir, e, "import", "--collection", "ics", "--on-conflict", "fail", r.b)
		if out.code != 1 || !strings.Contains(out.stderr, "nothing written") {
			t.Fatalf("exit %d, want 1 and nothing written:\n%s", out.code, out.stderr)
		}
		wantConflictLines(t, out.stderr, "conflict: ", r)
		if after := mustRunBin(t, dir, e, "export", "--collection", "ics", "--all-versions", "--format", "ndjson").stdout; after != before {
			t.Errorf("--on-conflict fail wrote something: %d lines before, %d after", strings.Count(before, "\n"), strings.Count(after, "\n"))
		}
		// The collection's setting is the default of import.
		mustRunBin(t, dir, e, "collection", "update", "ics", "--on-conflict", "fail")
		if out := runBin(t, dir, e, "import", "--collection", "ics", r.b); out.code != 1 || !strings.Contains(out.stderr, "nothing written") {
			t.Errorf("collection set to fail: exit %d\n%s", out.code, out.stderr)
		}
		if list := mustRunBin(t, dir, e, "collection", "list").stdout; !regexp.MustCompile(`(?m)\bics\s+false\s+fail\s+ATT&CK for ICS$`).MatchString(list) {
			t.Errorf("collection list does not show the policy:\n%s", list)
		}
		// Without a conflict, fail writes the whole release.
		mustRunBin(t, dir, e, "import", "--collection", "ics", "--on-conflict", "fail", r.a)
	})

	t.Run("bad flag", func(t *testing.T) {
		e := env{"HERALD_DB": filepath.Join(dir, "bad.db")}
		if out := runBin(t, dir, e, "import", "--on-conflict", "overwrite", r.b); out.code != 2 || !strings.Contains(out.stderr, "overwrite") {
			t.Errorf("--on-conflict overwrite: exit %d\n%s", out.code, out.stderr)
		}
	})
}

// Through --server the collection's on_conflict applies to TAXII add
// requests. A TAXII client polling with added_after that started before
// the replace receives each corrected object exactly once, and loses
// nothing.
func TestReimportNextReleaseThroughTheServerWithReplace(t *testing.T) {
	dir := t.TempDir()
	r := buildReleases(t, dir)
	const pw = "reimport-admin-password"
	p := startProcess(t, dir, env{"HERALD_ADMIN_PASSWORD": pw, "HERALD_ADDR": "127.0.0.1:0"}, "serve", "--db", filepath.Join(dir, "h.db"))
	discovery := p.waitFor(t, readyLine)[1]
	server := strings.TrimSuffix(discovery, "taxii2/")
	admin := env{"HERALD_SERVER": server, "HERALD_USER": AdminAccount, "HERALD_PASSWORD": pw}

	id := strings.TrimSpace(mustRunBin(t, dir, admin, "collection", "add", "--title", "ATT&CK for ICS", "--alias", "ics", "--on-conflict", "replace").stdout)
	mustRunBin(t, dir, admin, "import", "--collection", "ics", r.a)
	objects := server + "herald/collections/" + id + "/objects/"

	// A poller reads the first 300 objects, then stops for a while.
	firstPage, last := pollObjects(t, objects, "", 300, pw)
	if len(firstPage) != 300 || last == "" {
		t.Fatalf("first page: %d objects, X-TAXII-Date-Added-Last %q", len(firstPage), last)
	}

	// Through --server the collection's setting rules: another one is refused.
	if out := runBin(t, dir, admin, "import", "--collection", "ics", "--on-conflict", "keep", r.b); out.code != 1 || !strings.Contains(out.stderr, "collection update") {
		t.Fatalf("--on-conflict keep against a replace collection: exit %d\n%s", out.code, out.stderr)
	}
	out := mustRunBin(t, dir, admin, "import", "--collection", "ics", r.b)
	k, n := len(r.edited), len(r.aObjs)
	if want := fmt.Sprintf("0 added, 1 new versions, %s unchanged, %d replaced, 0 conflicts kept, 0 rejected", formatCount(int64(n-k-1)), k); !strings.Contains(out.stderr, want) {
		t.Fatalf("import of B through the server: want %q:\n%s", want, out.stderr)
	}
	wantConflictLines(t, out.stderr, "replaced: ", r)

	// The poller goes on from where it stopped.
	var rest [][]byte
	for {
		page, next := pollObjects(t, objects, last, 400, pw)
		if len(page) == 0 {
			break
		}
		rest = append(rest, page...)
		last = next
	}
	count := map[string]int{}
	for _, o := range rest {
		oid := objectID(t, o)
		count[oid]++
		if r.isEdited(oid) && !bytes.Equal(o, r.bObjs[r.byID[oid]]) {
			t.Errorf("poller received %s with content %.200s, want release B's", oid, o)
		}
	}
	for oid, c := range count {
		if c != 1 {
			t.Errorf("poller received %s %d times", oid, c)
		}
	}
	for _, oid := range r.edited {
		if count[oid] != 1 {
			t.Errorf("poller received the corrected %s %d times, want once", oid, count[oid])
		}
	}
	seenFirst := map[string]bool{}
	for _, o := range firstPage {
		seenFirst[objectID(t, o)] = true
	}
	for oid := range r.byID {
		if !seenFirst[oid] && count[oid] == 0 {
			t.Errorf("poller never received %s", oid)
		}
	}
	// The versions endpoint lists each edited object's version once.
	var vs struct{ Versions []string }
	taxiiGet(t, objects+url.PathEscape(r.edited[0])+"/versions/", AdminAccount, pw, &vs)
	if len(vs.Versions) != 1 {
		t.Errorf("versions of %s: %v, want one", r.edited[0], vs.Versions)
	}
	mustRunBin(t, dir, admin, "check") // exits 1 on any problem

	// fail through the server: the whole import is one request, refused.
	mustRunBin(t, dir, admin, "collection", "update", "ics", "--on-conflict", "fail")
	before := mustRunBin(t, dir, admin, "export", "--collection", "ics", "--all-versions", "--format", "ndjson").stdout
	if out := runBin(t, dir, admin, "import", "--collection", "ics", r.a); out.code != 1 || !strings.Contains(out.stderr, "nothing written") {
		t.Fatalf("release A again under fail: exit %d\n%s", out.code, out.stderr)
	} else {
		wantConflictLines(t, out.stderr, "conflict: ", r)
	}
	if after := mustRunBin(t, dir, admin, "export", "--collection", "ics", "--all-versions", "--format", "ndjson").stdout; after != before {
		t.Error("on_conflict fail through the server wrote something")
	}
	p.stop(t)
}

// pollObjects GETs one page of objects added after addedAfter (all when
// empty) and returns the objects and X-TAXII-Date-Added-Last.
func pollObjects(t *testing.T, objectsURL, addedAfter string, limit int, pw string) ([][]byte, string) {
	t.Helper()
	q := url.Values{"limit": {fmt.Sprint(limit)}}
	if addedAfter != "" {
		q.Set("added_after", addedAfter)
	}
	req, err := http.NewRequest(http.MethodGet, objectsURL+"?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	req.SetBasicAuth(AdminAccount, pw)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET objects: %d %s", resp.StatusCode, body)
	}
	var env struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	out := make([][]byte, len(env.Objects))
	for i, o := range env.Objects {
		var b bytes.Buffer
		if err := json.Compact(&b, o); err != nil {
			t.Fatal(err)
		}
		out[i] = b.Bytes()
	}
	return out, resp.Header.Get("X-TAXII-Date-Added-Last")
}

// collection update changes what is given and keeps the rest.
func TestCollectionUpdateChangesOnlyWhatIsGiven(t *testing.T) {
	e := env{"HERALD_DB": filepath.Join(t.TempDir(), "h.db")}
	mustRun(t, e, "", "collection", "add", "--title", "Partners", "--alias", "partners", "--public", "--on-conflict", "replace")
	mustRun(t, e, "", "collection", "update", "partners", "--description", "from partners")
	list := mustRun(t, e, "", "collection", "list").stdout
	if !regexp.MustCompile(`(?m)\bpartners\s+true\s+replace\s+Partners$`).MatchString(list) {
		t.Fatalf("after a description update:\n%s", list)
	}
	mustRun(t, e, "", "collection", "update", "Partners", "--public=false", "--alias", "", "--on-conflict", "keep")
	list = mustRun(t, e, "", "collection", "list").stdout
	if !regexp.MustCompile(`(?m)\s-\s+false\s+keep\s+Partners$`).MatchString(list) {
		t.Fatalf("after removing the alias and public read:\n%s", list)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"collection", "update", "Partners"}, 2, "nothing to change"},
		{[]string{"collection", "update", "Partners", "--on-conflict", "sometimes"}, 2, "sometimes"},
		{[]string{"collection", "update", "Partners", "--title", " "}, 2, "--title"},
		{[]string{"collection", "update", "nope", "--on-conflict", "fail"}, 1, `"nope"`},
		{[]string{"collection", "add", "--title", "X", "--on-conflict", "sometimes"}, 2, "sometimes"},
	} {
		if r := run(t, e, "", tc.args...); r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("herald %v: exit %d, want %d and %q\n%s", tc.args, r.code, tc.code, tc.want, r.stderr)
		}
	}
}
