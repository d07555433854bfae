package taxii

import (
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/heraldcti/herald/store"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// The same server is the same scheme, host and port (the
// scheme's default port written out or not); a scheme change is another
// server.
func TestSameServer(t *testing.T) {
	base := mustURL(t, "https://taxii.example:443/")
	for _, c := range []struct {
		u    string
		same bool
	}{
		{"https://TAXII.example/herald/", true},
		{"https://taxii.example:443/x", true},
		{"http://taxii.example/herald/", false},
		{"http://taxii.example:443/herald/", false},
		{"https://taxii.example:8443/herald/", false},
		{"https://other.example/herald/", false},
	} {
		if got := sameServer(mustURL(t, c.u), base); got != c.same {
			t.Errorf("sameServer(%s, %s) = %v, want %v", c.u, base, got, c.same)
		}
	}
}

// The client reads statuses back through the server's own table: every
// store sentinel the server answers with a 4xx comes back as that
// sentinel (the first one of its status), and no 5xx becomes one.
func TestStatusErrorUsesTheServersTable(t *testing.T) {
	for _, m := range storeErrors {
		got := (&StatusError{Status: m.status}).Unwrap()
		switch {
		case m.status >= 500 || m.status == statusClientClosed:
			if got != nil {
				t.Errorf("status %d unwraps to %v, want nothing", m.status, got)
			}
		case !isStoreSentinel(m.err):
		default:
			status, _, _ := classify(got)
			if status != m.status {
				t.Errorf("%v: the client reads %d back as %v, which the server answers with %d", m.err, m.status, got, status)
			}
		}
	}
	for status, want := range map[int]error{
		http.StatusNotFound: store.ErrNotFound, http.StatusBadRequest: store.ErrBadParameter,
		http.StatusConflict: store.ErrExists, http.StatusUnprocessableEntity: store.ErrBadParameter,
	} {
		if err := (&StatusError{Status: status}); !errors.Is(err, want) {
			t.Errorf("status %d is not %v", status, want)
		}
	}
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusInternalServerError, http.StatusServiceUnavailable} {
		if got := (&StatusError{Status: status}).Unwrap(); got != nil {
			t.Errorf("status %d unwraps to %v", status, got)
		}
	}
}
