package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// cmd/herald speaks HTTP only through taxii.Client, so the
// security rules of talking to a server (credentials only to --server)
// and the status-to-error mapping exist once. No non-test file of the
// command imports net/http (tests may, for fake servers).
func TestCommandImportsNoNetHTTP(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == "net/http" || strings.HasPrefix(path, "net/http/") {
				t.Errorf("%s imports %s; talk to servers through taxii.Client", f, path)
			}
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("checked only %d files: is the test running in cmd/herald?", checked)
	}
}
