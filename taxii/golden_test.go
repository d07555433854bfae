package taxii_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

var (
	reUUID      = regexp.MustCompile(`"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"`)
	reNext      = regexp.MustCompile(`"next": "[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+"`)
	reRequestID = regexp.MustCompile(`"error_id": "[0-9a-f]+"`)
)

// normalise indents a JSON body (keeping the key order the server wrote)
// and replaces values that differ between runs: the server's address,
// collection ids, status ids, request ids and next tokens.
func normalise(t *testing.T, e *env, body []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, body, "", "  "); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
	s := out.String()
	s = strings.ReplaceAll(s, e.base, "http://<server>")
	s = strings.ReplaceAll(s, e.priv.ID, "<priv-id>")
	s = strings.ReplaceAll(s, e.pub.ID, "<pub-id>")
	s = reUUID.ReplaceAllString(s, `"<uuid>"`)
	s = reNext.ReplaceAllString(s, `"next": "<next-token>"`)
	s = reRequestID.ReplaceAllString(s, `"error_id": "<request-id>"`)
	return []byte(s + "\n")
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -run TestGolden -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (go test -update to accept)\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

// TestGolden pins the exact shape of every TAXII resource the server
// writes (with an injected clock, so date_added values are fixed).
func TestGolden(t *testing.T) {
	e := newEnv(t)
	e.clock.Add(time.Second)
	e.put(e.pub.ID, indicator(1, ""))
	e.put(e.pub.ID, indicator(1, "2025-01-02T00:00:00.000Z"))
	e.put(e.pub.ID, malware(2))
	e.put(e.pub.ID, indicator(3, ""))
	e.put(e.pub.ID, indicator(1, "2025-01-03T00:00:00.000Z"))
	pub := "/herald/collections/" + e.pub.ID

	add := []byte(`{"objects":[` + string(indicator(10, "").JSON) + `,` + string(indicator(1, "").JSON) +
		`,{"type":"indicator","spec_version":"2.1","id":"indicator--not-a-uuid"}]}`)

	cases := []struct {
		name   string
		r      req
		status int
	}{
		{"discovery", req{path: "/taxii2/"}, 200},
		{"api-root", req{path: "/herald/"}, 200},
		{"collections", req{path: "/herald/collections/"}, 200}, // anonymous: one collection, so the order (by random id) is fixed
		{"collection", req{path: "/herald/collections/" + e.priv.ID + "/", user: userRW}, 200},
		{"envelope", req{path: pub + "/objects/?limit=2"}, 200},
		{"envelope-empty", req{path: pub + "/objects/?match[type]=tool"}, 200},
		{"envelope-all-versions", req{path: pub + "/objects/?match[version]=all&match[id]=indicator--00000001-0000-4000-8000-000000000001"}, 200},
		{"manifest", req{path: pub + "/manifest/?match[version]=all"}, 200},
		{"versions", req{path: pub + "/objects/indicator--00000001-0000-4000-8000-000000000001/versions/"}, 200},
		{"status", req{method: http.MethodPost, path: pub + "/objects/", user: userAdmin, body: add,
			header: map[string]string{"Content-Type": "application/taxii+json;version=2.1"}}, 202},
		{"error-404", req{path: "/herald/nothing-here/"}, 404},
		{"error-405", req{method: http.MethodPut, path: pub + "/objects/"}, 405},
		{"error-406", req{path: "/herald/", header: map[string]string{"Accept": "application/taxii+json;version=2.0"}}, 406},
		{"error-401", req{path: "/herald/collections/" + e.priv.ID + "/"}, 401},
		{"error-400", req{path: pub + "/objects/?limit=0"}, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.r)
			wantStatus(t, r, tc.status)
			checkGolden(t, tc.name, normalise(t, e, r.body))
		})
	}
}
