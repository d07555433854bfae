package taxii

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// DiscoveryResource is TAXII 2.1 §4.1.1 (server and Client).
type DiscoveryResource struct {
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Contact     string   `json:"contact,omitempty"`
	Default     string   `json:"default,omitempty"`
	APIRoots    []string `json:"api_roots,omitempty"`
}

// APIRootResource is TAXII 2.1 §4.2.1 (server and Client).
type APIRootResource struct {
	Title            string   `json:"title"`
	Description      string   `json:"description,omitempty"`
	Versions         []string `json:"versions"`
	MaxContentLength int64    `json:"max_content_length"`
}

// writeJSON sends a TAXII resource with status and the TAXII media type.
// The body is compact JSON without a trailing newline or HTML escaping.
func writeJSON(c echo.Context, status int, v any) error {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return c.Blob(status, MediaTypeTAXII, []byte(strings.TrimSuffix(b.String(), "\n")))
}

// getDiscovery serves GET /taxii2/ (§4.1). Discovery and the API root
// resource are open to anonymous callers: they only reveal the server's
// title and the API root's URL and limits, which clients need before they
// can authenticate anywhere useful (documented in README-taxii.md).
func (s *Server) getDiscovery(c echo.Context) error {
	st := s.settings()
	root := s.baseURL(c.Request()) + "/" + s.apiRoot + "/"
	return writeJSON(c, http.StatusOK, DiscoveryResource{
		Title:       st.Title,
		Description: st.Description,
		Contact:     st.Contact,
		Default:     root,
		APIRoots:    []string{root},
	})
}

// getAPIRoot serves GET /{api-root}/ (§4.2).
func (s *Server) getAPIRoot(c echo.Context) error {
	st := s.settings()
	return writeJSON(c, http.StatusOK, APIRootResource{
		Title:            st.APIRootTitle,
		Description:      st.APIRootDescription,
		Versions:         []string{MediaTypeTAXII},
		MaxContentLength: st.MaxContentLength,
	})
}

// baseURL is the absolute URL (no trailing slash) under which the server is
// reachable for this request: the configured PublicBaseURL, else https
// (TLS) or http plus the Host header; X-Forwarded-Proto and
// X-Forwarded-Host count only from trusted proxies.
func (s *Server) baseURL(r *http.Request) string {
	st := s.settings()
	if st.baseURL != nil {
		return st.baseURL.String()
	}
	scheme := "http"
	if r.TLS != nil || s.useTLS {
		scheme = "https"
	}
	host := r.Host
	if s.fromTrustedProxy(r) {
		if p := firstHeaderValue(r, "X-Forwarded-Proto"); p == "https" || p == "http" {
			scheme = p
		}
		if h := firstHeaderValue(r, "X-Forwarded-Host"); h != "" && validHost(h) {
			host = h
		}
	}
	if !validHost(host) {
		host = "localhost"
	}
	return (&url.URL{Scheme: scheme, Host: host}).String()
}

func firstHeaderValue(r *http.Request, name string) string {
	v, _, _ := strings.Cut(r.Header.Get(name), ",")
	return strings.ToLower(strings.TrimSpace(v))
}

// validHost accepts host[:port] made of characters a host can hold, so a
// forged Host cannot inject a path or query into advertised URLs.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-.:[]_", c) >= 0) {
			return false
		}
	}
	return true
}

// getHealth serves GET /healthz: 200 {"status":"ok"} when the store answers.
func (s *Server) getHealth(c echo.Context) error {
	if _, err := s.db.Collections(c.Request().Context()); err != nil {
		return &apiError{Status: http.StatusServiceUnavailable, Description: "the store does not answer", Err: err}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, MediaTypeTAXII, []byte(`{"status":"ok"}`))
}
