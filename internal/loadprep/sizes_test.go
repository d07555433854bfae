package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
)

// -sizes lists every bucket of a prepared file, with the collection's
// version bucket holding one key per object, and the file size.
func TestReportSizes(t *testing.T) {
	cfg := testConfig(t)
	res := mustPrepare(t, cfg)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-sizes", cfg.Path}, &out, &out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	versions := "objects/" + res.CollectionID + "/v"
	found := false
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) > 2 && f[0] == versions {
			found = true
			if f[1] != strconv.Itoa(cfg.Objects) {
				t.Errorf("%s holds %s keys, want %d", versions, f[1], cfg.Objects)
			}
		}
	}
	if !found || !strings.Contains(text, "file_bytes=") || !strings.Contains(text, "high_water_bytes=") || !strings.Contains(text, "accounts") {
		t.Errorf("report lacks %s, accounts or file_bytes:\n%s", versions, text)
	}
}
