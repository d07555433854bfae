package bolt_test

import (
	"testing"

	"github.com/heraldcti/herald/store/storetest"
)

// FuzzQuery runs the conformance suite's query fuzzer (store/storetest)
// against bbolt files; its corpus is in testdata/fuzz/FuzzQuery.
func FuzzQuery(f *testing.F) { storetest.FuzzQuery(f, openStore) }
