package taxii

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

// Route names: the "endpoint" label of metrics and log lines.
const (
	rDiscovery    = "discovery"
	rAPIRoot      = "api_root"
	rStatus       = "status"
	rCollections  = "collections"
	rCollection   = "collection"
	rManifest     = "manifest"
	rGetObjects   = "get_objects"
	rAddObjects   = "add_objects"
	rGetObject    = "get_object"
	rDeleteObject = "delete_object"
	rVersions     = "versions"
	rHealth       = "healthz"
	rMetrics      = "metrics"
	rUnmatched    = "unmatched"
)

// routeHooks lets other files of this package add routes without this file
// naming them: admin.go appends its registration in an init function, e.g.
//
//	func init() { routeHooks = append(routeHooks, (*Server).registerAdmin) }
//
// Hooks run once, in NewServer, after the TAXII routes exist. They should
// register each route with its middleware composed by chain
// (e.GET(path, chain(h, mw...))), not groups: Echo gives a group catch-all
// routes so its middleware runs, which turns a wrong method into a 404
// without Allow instead of a 405. Use s.named, s.authenticate and
// s.requireAdmin.
var routeHooks []func(s *Server, e *echo.Echo)

// newEcho builds the router. Paths are registered without trailing slash;
// serveHTTP (server.go) normalises request paths (trailing slash and doubled slashes)
// before routing, so /taxii2, /taxii2/ and //taxii2// all match.
func (s *Server) newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = s.clientIP
	e.Use(s.observe)

	root := "/" + s.apiRoot
	col := root + "/collections/:collection"
	obj := col + "/objects/:object"
	add := func(method, path, name string, h echo.HandlerFunc, stixOK bool) {
		e.Add(method, path, chain(h, s.named(name), s.authenticate, negotiate(stixOK)))
	}
	add(http.MethodGet, "/taxii2", rDiscovery, s.getDiscovery, false)
	add(http.MethodGet, root, rAPIRoot, s.getAPIRoot, false)
	add(http.MethodGet, root+"/status/:status", rStatus, s.getStatus, false)
	add(http.MethodGet, root+"/collections", rCollections, s.getCollections, false)
	add(http.MethodGet, col, rCollection, s.getCollection, false)
	add(http.MethodGet, col+"/manifest", rManifest, s.getManifest, true)
	add(http.MethodGet, col+"/objects", rGetObjects, s.getObjects, false)
	add(http.MethodPost, col+"/objects", rAddObjects, s.addObjects, false)
	add(http.MethodGet, obj, rGetObject, s.getObject, false)
	add(http.MethodDelete, obj, rDeleteObject, s.deleteObject, false)
	add(http.MethodGet, obj+"/versions", rVersions, s.getVersions, false)

	e.GET("/healthz", chain(s.getHealth, s.named(rHealth)))
	e.GET("/metrics", chain(s.getMetrics, s.named(rMetrics), s.authenticate))

	for _, hook := range routeHooks {
		hook(s, e)
	}
	return e
}

// chain wraps h in mw, the first outermost, once: Echo would wrap a
// route's middleware around its handler again on every request (a closure
// per middleware per request).
func chain(h echo.HandlerFunc, mw ...echo.MiddlewareFunc) echo.HandlerFunc {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// named records the route name for logs and metrics.
func (s *Server) named(name string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			stateOf(c).route = name
			return next(c)
		}
	}
}

// negotiate refuses (406) requests whose Accept header leaves no room for
// TAXII 2.1; see acceptable for the (lenient) rules. An Accept header too
// long to be worth parsing is a 431 (RFC 6585 §5), not a misleading 406.
func negotiate(stixOK bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			accept := c.Request().Header.Get(echo.HeaderAccept)
			if len(accept) > maxAccepted {
				return errorf(http.StatusRequestHeaderFieldsTooLarge, "the Accept header is longer than %d bytes", maxAccepted)
			}
			if !acceptable(accept, stixOK) {
				return errorf(http.StatusNotAcceptable, "this endpoint serves %s; the Accept header allows none of it", MediaTypeTAXII)
			}
			return next(c)
		}
	}
}

// normalisePath collapses repeated slashes (MISP's taxii_push builds
// "base + '/' + root") and drops a trailing slash before routing.
func normalisePath(u *url.URL) {
	u.Path = cleanSlashes(u.Path)
	if u.RawPath != "" {
		u.RawPath = cleanSlashes(u.RawPath)
	}
}

func cleanSlashes(p string) string {
	clean := true
	for i := 0; i+1 < len(p); i++ {
		if p[i] == '/' && p[i+1] == '/' {
			clean = false
			break
		}
	}
	if clean {
		// No doubled slash: at most the trailing one goes, which a
		// substring does without copying (TAXII URLs all end in '/').
		if len(p) > 1 && p[len(p)-1] == '/' {
			return p[:len(p)-1]
		}
		return p
	}
	b := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && len(b) > 0 && b[len(b)-1] == '/' {
			continue
		}
		b = append(b, p[i])
	}
	if len(b) > 1 && b[len(b)-1] == '/' {
		b = b[:len(b)-1]
	}
	return string(b)
}
