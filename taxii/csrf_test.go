package taxii_test

import (
	"net/http"
	"testing"
)

// The admin API refuses what a browser can send cross-site
// without a preflight: a body without Content-Type (or a form or text
// type) is 415, and a request marked cross-site by Sec-Fetch-Site or by an
// Origin naming another host is 403. No account is created either way.
func TestAdminCSRF(t *testing.T) {
	e := newEnv(t)
	body := []byte(`{"name":"mallory","password":"a long enough password","admin":true}`)
	post := func(h map[string]string) resp {
		return e.do(req{method: http.MethodPost, path: "/admin/users", user: userAdmin, body: body, noTAXII: true, header: h})
	}
	wantError(t, post(nil), http.StatusUnsupportedMediaType)
	wantError(t, post(map[string]string{"Content-Type": "text/plain"}), http.StatusUnsupportedMediaType)
	wantError(t, post(map[string]string{"Content-Type": "application/x-www-form-urlencoded"}), http.StatusUnsupportedMediaType)
	wantError(t, post(map[string]string{"Content-Type": "application/jsonx"}), http.StatusUnsupportedMediaType)
	wantError(t, post(map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}), http.StatusForbidden)
	wantError(t, post(map[string]string{"Content-Type": "application/json", "Origin": "https://evil.example"}), http.StatusForbidden)
	wantError(t, post(map[string]string{"Content-Type": "application/json", "Origin": "null"}), http.StatusForbidden)
	wantError(t, e.do(req{method: http.MethodDelete, path: "/admin/users/" + userReader, user: userAdmin, noTAXII: true,
		header: map[string]string{"Sec-Fetch-Site": "cross-site"}}), http.StatusForbidden)
	if code := e.get("/admin/users", userAdmin).StatusCode; code != 200 {
		t.Fatalf("list users: %d", code)
	}
	if _, err := e.db.Account(t.Context(), "mallory"); err == nil {
		t.Fatal("a refused request created the account")
	}
	if _, err := e.db.Account(t.Context(), userReader); err != nil {
		t.Fatal("a refused request deleted an account")
	}
	// Same-origin browser requests and scripts (no Origin) still work.
	r := post(map[string]string{"Content-Type": "application/json; charset=utf-8", "Sec-Fetch-Site": "same-origin", "Origin": e.base})
	wantStatus(t, r, http.StatusCreated)
}
