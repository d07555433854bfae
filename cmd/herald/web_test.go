package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// `herald serve` mounts the web pages: / leads to them, the home page
// lists the built-in collection and its advisory, and the advisory page
// reads as a document with its picture.
func TestServeMountsTheWebPages(t *testing.T) {
	s := startServer(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path, user, password string) (int, http.Header, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if user != "" {
			req.SetBasicAuth(user, password)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, resp.Header, string(b)
	}
	if code, h, _ := get("/", "", ""); code != http.StatusSeeOther || h.Get("Location") != "/web/" {
		t.Fatalf("/: %d %q", code, h.Get("Location"))
	}
	code, h, home := get("/web/", "", "")
	if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(home, "Herald advisories") {
		t.Fatalf("home: %d %s\n%s", code, h.Get("Content-Type"), home)
	}
	link := regexp.MustCompile(`href="(/web/c/[^"]+/advisory/report--[^"]+)"`).FindStringSubmatch(home)
	if link == nil {
		t.Fatalf("no advisory on the home page:\n%s", home)
	}
	code, _, adv := get(link[1], "", "")
	if code != http.StatusOK || !strings.Contains(adv, "<svg") || !strings.Contains(adv, "US$308,000,000") {
		t.Fatalf("advisory page: %d", code)
	}
	if _, _, signed := get("/web/", "admin", s.password); !strings.Contains(signed, "Signed in as <strong>admin</strong>") {
		t.Errorf("Basic auth on the home page did not sign in the admin")
	}
	if code, _, _ := get("/web/", "admin", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong password: %d", code)
	}
}
