package taxii_test

import (
	"fmt"
	"os"
	"regexp"
	"testing"
)

// The module requires echo v4.16.5 or newer (older releases
// lack fixes the security review asked for).
func TestEchoVersion(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`github\.com/labstack/echo/v4 (v\S+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod does not require echo v4")
	}
	var major, minor, patch int
	if _, err := fmt.Sscanf(string(m[1]), "v%d.%d.%d", &major, &minor, &patch); err != nil {
		t.Fatalf("echo version %q: %v", m[1], err)
	}
	if minor < 16 || minor == 16 && patch < 5 {
		t.Fatalf("echo %s; want v4.16.5 or newer", m[1])
	}
}
