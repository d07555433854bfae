package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/taxii"
)

// Store is what the pages read from the database: exactly the methods they
// call. Errors are the store's sentinels (store.ErrNotFound,
// store.ErrBadParameter...), possibly wrapped.
type Store interface {
	// Collections lists every collection.
	Collections(ctx context.Context) ([]store.Collection, error)
	// Collection finds a collection by id, title or alias.
	Collection(ctx context.Context, ref string) (store.Collection, error)
	// Objects returns one page of object versions, ascending by date_added.
	Objects(ctx context.Context, collectionID string, q store.Query) (store.Page, error)
	// ObjectsTo walks the same page as Objects, handing each version's
	// stored bytes (valid only during the callback) to emit.
	ObjectsTo(ctx context.Context, collectionID string, q store.Query, emit func(store.RawVersion) error) (store.PageInfo, error)
	// ObjectVersions returns one page of the versions of one object.
	ObjectVersions(ctx context.Context, collectionID, objectID string, q store.Query) (store.Page, error)
	// LastDateAdded is the collection's latest date_added (zero if empty).
	LastDateAdded(ctx context.Context, collectionID string) (time.Time, error)
	// CountVersions is the number of object versions in the collection.
	CountVersions(ctx context.Context, collectionID string) (int, error)
	// TokenSecret is the database's persistent secret; session cookies
	// are signed with a key derived from it.
	TokenSecret(ctx context.Context) ([]byte, error)
}

// Gate is what the pages need from the TAXII server: its authentication,
// its permissions and its router. *taxii.Server implements it.
type Gate interface {
	Authenticate(c echo.Context) (taxii.Visitor, error)
	Login(c echo.Context, name, password string) (taxii.Visitor, error)
	AccountVisitor(ctx context.Context, name string) (taxii.Visitor, string, error)
	SetVisitor(c echo.Context, v taxii.Visitor)
	SecureCookies(r *http.Request) bool
	Mount(method, path, name string, h echo.HandlerFunc)
}

var _ Gate = (*taxii.Server)(nil)

// Options tune the pages. The zero value is the default.
type Options struct {
	// SessionTTL is how long a sign-in lasts (default 12 hours).
	SessionTTL time.Duration
	// PageSize is the number of objects per collection page (default 50).
	PageSize int
	// SearchWindow is how many objects one search request examines,
	// newest first, before offering to search further (default 5000).
	SearchWindow int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives server-side failures (default slog.Default()).
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.PageSize <= 0 {
		o.PageSize = 50
	}
	if o.SearchWindow <= 0 {
		o.SearchWindow = 5000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

var funcs = template.FuncMap{}

// Prefix is where the pages live; "/" redirects here.
const Prefix = "/web"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Pages serves the web pages. Build it with New and register it with Mount.
type Pages struct {
	db   Store
	gate Gate
	opt  Options
	tpl  *template.Template
	css  []byte

	keyMu sync.Mutex
	key   []byte // session and CSRF signing key, derived on first use

	counts typeCountCache
}

// New returns the pages over db, authenticating through gate.
func New(db Store, gate Gate, opt Options) (*Pages, error) {
	if db == nil || gate == nil {
		return nil, errors.New("web: nil store or gate")
	}
	tpl, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	css, err := fs.ReadFile(staticFS, "static/style.css")
	if err != nil {
		return nil, fmt.Errorf("web: stylesheet: %w", err)
	}
	return &Pages{db: db, gate: gate, opt: opt.withDefaults(), tpl: tpl, css: css}, nil
}

// Mount builds the pages and registers their routes on the TAXII server.
// Call it before the server serves.
func Mount(srv *taxii.Server, db Store, opt Options) (*Pages, error) {
	p, err := New(db, srv, opt)
	if err != nil {
		return nil, err
	}
	p.Register()
	return p, nil
}

// Register adds the routes to the gate's router.
func (p *Pages) Register() {
	g := p.gate
	g.Mount(http.MethodGet, "/", "web_root", p.root)
	g.Mount(http.MethodGet, Prefix, "web_home", p.page(p.home))
	g.Mount(http.MethodGet, Prefix+"/style.css", "web_static", p.stylesheet)
	g.Mount(http.MethodGet, Prefix+"/login", "web_login", p.page(p.loginForm))
	g.Mount(http.MethodPost, Prefix+"/login", "web_login", p.page(p.loginSubmit))
	g.Mount(http.MethodPost, Prefix+"/logout", "web_logout", p.page(p.logout))
	g.Mount(http.MethodGet, Prefix+"/c/:collection", "web_collection", p.page(p.collection))
	g.Mount(http.MethodGet, Prefix+"/c/:collection/bundle", "web_download", p.page(p.downloadCollection))
	g.Mount(http.MethodGet, Prefix+"/c/:collection/o/:object", "web_object", p.page(p.object))
	g.Mount(http.MethodGet, Prefix+"/c/:collection/o/:object/bundle", "web_download", p.page(p.downloadObject))
	g.Mount(http.MethodGet, Prefix+"/c/:collection/advisory/:object", "web_advisory", p.page(p.advisory))
	g.Mount(http.MethodGet, Prefix+"/c/:collection/advisory/:object/bundle", "web_download", p.page(p.downloadAdvisory))
	g.Mount(http.MethodGet, Prefix+"/*", "web_unmatched", p.page(p.notFound))
}

// root sends a browser to the pages. TAXII clients start at /taxii2/.
func (p *Pages) root(c echo.Context) error {
	securityHeaders(c.Response().Header())
	c.Response().Header().Set("Content-Type", "text/html; charset=utf-8")
	return c.Redirect(http.StatusSeeOther, Prefix+"/")
}

// csp forbids everything but this server's stylesheet, data: images and
// forms posting back here; no script runs, no frame may embed the pages.
const csp = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
}

func (p *Pages) stylesheet(c echo.Context) error {
	h := c.Response().Header()
	securityHeaders(h)
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("Content-Type", "text/css; charset=utf-8")
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", p.css)
}

// request is one page request: who asks, and what the page template gets
// besides its own data.
type request struct {
	c       echo.Context
	ctx     context.Context
	visitor taxii.Visitor
	session *session // nil unless signed in through the form
	csrf    string   // token for the sign-out form (signed-in sessions)
}

// handler is a page: it renders (or streams) its response itself, or
// returns an error for the error page.
type handler func(r *request) error

// page wraps a handler: security headers, who the visitor is, and HTML
// error pages. It never lets an error reach the TAXII error handler.
func (p *Pages) page(h handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		hdr := c.Response().Header()
		securityHeaders(hdr)
		hdr.Set("Cache-Control", "no-store")
		hdr.Set("Vary", "Cookie, Authorization")
		hdr.Set("Content-Type", "text/html; charset=utf-8") // downloads set their own
		r := &request{c: c, ctx: c.Request().Context()}
		if err := p.identify(r); err != nil {
			p.fail(r, err)
			return nil
		}
		if err := h(r); err != nil {
			p.fail(r, err)
		}
		return nil
	}
}

// pageError is an error shown to the visitor with its status.
type pageError struct {
	Status  int
	Message string
	Err     error // internal cause, logged only
}

func (e *pageError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Message, e.Err)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Message)
}

func (e *pageError) Unwrap() error { return e.Err }

func notFoundErr() error {
	return &pageError{Status: http.StatusNotFound, Message: "There is nothing here, or it is not available to you."}
}

func badRequestErr(format string, args ...any) error {
	return &pageError{Status: http.StatusBadRequest, Message: fmt.Sprintf(format, args...)}
}

func (p *Pages) notFound(r *request) error { return notFoundErr() }

// fail renders the error page; store failures are logged and shown as 503
// without detail, client mistakes with their message.
func (p *Pages) fail(r *request, err error) {
	status, msg := http.StatusInternalServerError, "Something went wrong on the server. Try again later."
	var pe *pageError
	var ae *taxii.AuthError
	switch {
	case errors.As(err, &pe):
		status, msg = pe.Status, pe.Message
	case errors.As(err, &ae):
		status, msg = ae.Status, ae.Error()
		if ae.Status == http.StatusTooManyRequests {
			r.c.Response().Header().Set("Retry-After", fmt.Sprint(int(ae.RetryAfter.Seconds()+0.999)))
		} else {
			r.c.Response().Header().Set("WWW-Authenticate", `Basic realm="herald", Bearer`)
		}
	case errors.Is(err, store.ErrNotFound):
		status, msg = http.StatusNotFound, "There is nothing here, or it is not available to you."
	case errors.Is(err, store.ErrBadParameter):
		status, msg = http.StatusBadRequest, "A parameter of the request is malformed."
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		status, msg = http.StatusServiceUnavailable, "The request was cancelled or took too long."
	case errors.Is(err, store.ErrLocked):
		status, msg = http.StatusServiceUnavailable, "The database is busy. Try again later."
	}
	if status >= 500 {
		p.opt.Logger.Error("web page failed", "path", r.c.Request().URL.Path, "status", status, "err", err)
	}
	if r.c.Response().Committed {
		return // a download that failed half way: the connection says so
	}
	r.c.Response().Header().Del("Content-Disposition")
	_ = p.render(r, status, "error", errorData{Status: status, Title: http.StatusText(status), Message: msg})
}

type errorData struct {
	Status  int
	Title   string
	Message string
}

// layout is what every page template gets.
type pageLayout struct {
	Title   string
	Visitor taxii.Visitor
	CSRF    string // sign-out form token
	Here    string // this page's address, to come back to after signing in
	Crumbs  []crumb
	Page    any
}

type crumb struct {
	Label string
	URL   string
}

// render executes the named page template into a buffer, so a template
// failure is an error page, never half a page.
func (p *Pages) render(r *request, status int, name string, data any, crumbs ...crumb) error {
	title := ""
	if t, ok := data.(interface{ PageTitle() string }); ok {
		title = t.PageTitle()
	}
	for i := range crumbs {
		crumbs[i].Label = clip(crumbs[i].Label, 60)
	}
	var buf bytes.Buffer
	here := ""
	if u := r.c.Request().URL; r.c.Request().Method == http.MethodGet && u.Path != Prefix+"/login" && len(u.RequestURI()) < 1024 {
		here = u.RequestURI()
	}
	err := p.tpl.ExecuteTemplate(&buf, name, pageLayout{Title: title, Visitor: r.visitor, CSRF: r.csrf, Here: here, Crumbs: crumbs, Page: data})
	if err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	r.c.Response().Header().Set("Content-Type", "text/html; charset=utf-8")
	return r.c.HTMLBlob(status, buf.Bytes())
}

func (e errorData) PageTitle() string { return e.Title }
