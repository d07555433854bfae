package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// envelope builds a TAXII envelope of objects JSON texts.
func envelope(more string, objs ...[]byte) []byte {
	var b bytes.Buffer
	b.WriteString(`{"more":` + more + `,"next":"abc","objects":[`)
	b.Write(bytes.Join(objs, []byte(",")))
	b.WriteString("]}")
	return b.Bytes()
}

func TestVerifyPageFile(t *testing.T) {
	gen := genObjects(t, 9, 5, 5)
	raw := make([][]byte, len(gen))
	for i, o := range gen {
		raw[i] = o.JSON
	}
	invalid := []byte(`{"type":"indicator","spec_version":"2.1","id":"indicator--6f2b1f1e-8a3c-4d1e-9f6a-2b7c9d0e1f2a","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","pattern":"[broken","pattern_type":"stix","valid_from":"2024-01-01T00:00:00.000Z"}`)
	for _, tc := range []struct {
		name    string
		body    []byte
		want    int
		wantErr string
	}{
		{"good page", envelope("true", raw...), 5, ""},
		{"too few objects", envelope("true", raw[:4]...), 5, "4 objects, want 5"},
		{"last page", envelope("false", raw...), 5, `"more" is not true`},
		{"error body", []byte(`{"title":"Unauthorized","http_status":"401"}`), 5, "0 objects, want 5"},
		{"not JSON", []byte("<html>502</html>"), 5, "not a TAXII envelope"},
		{"invalid object", envelope("true", append(raw[:4:4], invalid)...), 5, "pattern"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "page.json")
			if err := os.WriteFile(path, tc.body, 0o600); err != nil {
				t.Fatal(err)
			}
			info, err := verifyPageFile(path, tc.want)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if info.FirstID != gen[0].ID || info.LastID != gen[4].ID || !info.More {
					t.Errorf("info = %+v", info)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("err %q does not name the file", err)
			}
		})
	}
}

func TestVerifyPageFileMissingFile(t *testing.T) {
	if _, err := verifyPageFile(filepath.Join(t.TempDir(), "absent.json"), 1); err == nil {
		t.Fatal("no error for a missing file")
	}
}
