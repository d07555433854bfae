package taxii

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

// Client talks to a running Herald server: TAXII 2.1 for objects, the
// admin API for collections, accounts, checks and backups. It reads and
// writes the same wire types the server's handlers use (DiscoveryResource,
// CollectionsResource, StatusResource, the Admin* bodies), and its errors
// are *StatusError, which unwrap to the store sentinels through the same
// table the server uses to choose statuses (storeErrors).
//
// Credentials go only where the server URL points:
//   - an API root that discovery names on another scheme or host is
//     refused (an error saying how to set the server's public URL);
//   - a redirect to another scheme or host is not followed, so neither a
//     downgrade from https to http nor the Authorization header reaching
//     another host can happen;
//   - plain http to a host that is not this machine is allowed (a TLS
//     proxy may sit in front) but ClientOptions.Warnf is told.
//
// A Client is safe for concurrent use once NewClient returns.
type Client struct {
	base   *url.URL // the server, e.g. http://127.0.0.1:8080/
	http   *http.Client
	user   string
	pass   string
	token  string
	hint   string
	root   *url.URL // the API root, from discovery
	maxLen int64    // the API root's max_content_length
}

// ClientOptions configure NewClient.
type ClientOptions struct {
	// Server is the server's URL, http:// or https://.
	Server string
	// Token, when set, is sent as a bearer token; else User and
	// Password, when User is set, as HTTP Basic.
	Token          string
	User, Password string
	// CACertPEM, when set, holds the PEM certificates of the CAs that
	// sign the server's certificate (instead of the system's).
	CACertPEM []byte
	// ReadPassword, when set, is called by NewClient (after any warning)
	// for the password of User when there is no Token and no Password.
	ReadPassword func(host string) (string, error)
	// Warnf, when set, receives warnings (plain http to another host).
	Warnf func(format string, args ...any)
	// AuthHint ends the message of a 401 answer (how to authenticate).
	AuthHint string
}

// ErrServerURL is NewClient's error for a server URL that is not an
// absolute http:// or https:// URL.
var ErrServerURL = errors.New("want an http:// or https:// URL such as http://127.0.0.1:8080")

// ErrCACert is NewClient's error for a ClientOptions.CACertPEM that holds
// no PEM certificate.
var ErrCACert = errors.New("no PEM certificate found")

// ParseServerURL checks a server URL as NewClient does: absolute,
// http:// or https://, with a host. The path gets a trailing slash.
func ParseServerURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server %q: %w", s, ErrServerURL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// NewClient checks the options and returns a client. It sends nothing.
func NewClient(opts ClientOptions) (*Client, error) {
	u, err := ParseServerURL(opts.Server)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "http" && !loopbackHost(u.Hostname()) && opts.Warnf != nil {
		opts.Warnf("%s is plain http to a host that is not this machine: credentials and data travel in clear text; use https://", u.Redacted())
	}
	if opts.Token == "" && opts.User != "" && opts.Password == "" && opts.ReadPassword != nil {
		if opts.Password, err = opts.ReadPassword(u.Host); err != nil {
			return nil, err
		}
	}
	c := &Client{base: u, user: opts.User, pass: opts.Password, token: opts.Token, hint: opts.AuthHint}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if len(opts.CACertPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(opts.CACertPEM) {
			return nil, fmt.Errorf("CA certificate: %w", ErrCACert)
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	c.http = &http.Client{Transport: transport, CheckRedirect: c.checkRedirect}
	return c, nil
}

// Close releases idle connections.
func (c *Client) Close() error {
	c.http.CloseIdleConnections()
	return nil
}

// do sends one request. The response body is returned open on 2xx; any
// other status becomes a *StatusError.
func (c *Client) do(ctx context.Context, method string, u *url.URL, contentType string, body io.Reader, accept string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	switch {
	case c.token != "":
		req.Header.Set("Authorization", "Bearer "+c.token)
	case c.user != "":
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, u.Redacted(), err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	se := &StatusError{Method: method, Path: u.Path, Status: resp.StatusCode, Hint: c.hint}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var er ErrorResource
	if json.Unmarshal(data, &er) == nil && er.Title != "" {
		se.Title, se.Description = er.Title, er.Description
	} else {
		se.Title = strings.TrimSpace(string(data))
		if len(se.Title) > 200 {
			se.Title = se.Title[:200] + "..."
		}
	}
	return nil, se
}

// jsonCall sends in as JSON (when not nil) and decodes the answer into
// out (when not nil). accept is the TAXII media type for TAXII endpoints,
// application/json for the admin API; a body is sent in the same type.
func (c *Client) jsonCall(ctx context.Context, method string, u *url.URL, accept string, in, out any) error {
	var body io.Reader
	ct := ""
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body, ct = bytes.NewReader(data), accept
	}
	resp, err := c.do(ctx, method, u, ct, body, accept)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, u.Path, err)
	}
	return nil
}

const mediaJSON = "application/json"

// adminURL is the server's /admin/ followed by the escaped path elements
// (names and titles may hold spaces or slashes).
func (c *Client) adminURL(elems ...string) *url.URL {
	esc := make([]string, len(elems))
	for i, e := range elems {
		esc[i] = url.PathEscape(e)
	}
	raw := strings.TrimSuffix(c.base.EscapedPath(), "/") + "/admin/" + strings.Join(esc, "/")
	u := *c.base
	u.RawQuery = ""
	u.Path, _ = url.PathUnescape(raw)
	u.RawPath = raw
	return &u
}

// sameServer reports whether u has the scheme and host (with port) of base.
func sameServer(u, base *url.URL) bool {
	return strings.EqualFold(u.Scheme, base.Scheme) && strings.EqualFold(hostPort(u), hostPort(base))
}

// hostPort is u's host with its port, the scheme's default made explicit.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// loopbackHost reports whether host names this machine.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkRedirect follows a redirect only to the same scheme and host as
// the server URL: never one that drops TLS or carries the Authorization
// header to another host.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if !sameServer(req.URL, c.base) {
		return fmt.Errorf("refusing a redirect from %s to %s: another scheme or host than the server URL", via[len(via)-1].URL.Redacted(), req.URL.Redacted())
	}
	return nil
}

// apiRoot finds the API root through discovery (its default, else the
// first listed) and reads its max_content_length. It is done once.
func (c *Client) apiRoot(ctx context.Context) (*url.URL, error) {
	if c.root != nil {
		return c.root, nil
	}
	var disc DiscoveryResource
	disco := c.base.ResolveReference(&url.URL{Path: "taxii2/"})
	if err := c.jsonCall(ctx, http.MethodGet, disco, MediaTypeTAXII, nil, &disc); err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	root := disc.Default
	if root == "" && len(disc.APIRoots) > 0 {
		root = disc.APIRoots[0]
	}
	if root == "" {
		return nil, errors.New("discovery lists no API root")
	}
	ru, err := c.base.Parse(root)
	if err != nil {
		return nil, fmt.Errorf("discovery: api root %q: %w", root, err)
	}
	if !sameServer(ru, c.base) {
		// Credentials go only where the server URL points.
		return nil, fmt.Errorf("discovery names the API root %s, on another scheme or host than the server %s; herald will not send credentials there. "+
			"If the server is behind a TLS proxy, set its public URL (public_base_url / HERALD_PUBLIC_BASE_URL) to %s://%s",
			ru.Redacted(), c.base.Redacted(), c.base.Scheme, c.base.Host)
	}
	if !strings.HasSuffix(ru.Path, "/") {
		ru.Path += "/"
	}
	var info APIRootResource
	if err := c.jsonCall(ctx, http.MethodGet, ru, MediaTypeTAXII, nil, &info); err != nil {
		return nil, fmt.Errorf("api root: %w", err)
	}
	c.root, c.maxLen = ru, info.MaxContentLength
	return ru, nil
}

// rootURL is path (relative, unescaped segments already escaped by the
// caller) under the API root, with the query q.
func (c *Client) rootURL(ctx context.Context, path string, q url.Values) (*url.URL, error) {
	root, err := c.apiRoot(ctx)
	if err != nil {
		return nil, err
	}
	u := root.ResolveReference(&url.URL{Path: path})
	u.RawQuery = q.Encode()
	return u, nil
}

// MaxContentLength is the API root's max_content_length: the largest add
// request the server takes, in bytes.
func (c *Client) MaxContentLength(ctx context.Context) (int64, error) {
	if _, err := c.apiRoot(ctx); err != nil {
		return 0, err
	}
	return c.maxLen, nil
}

// Collections lists the API root's collections the caller can see (TAXII
// Get Collections).
func (c *Client) Collections(ctx context.Context) ([]CollectionResource, error) {
	u, err := c.rootURL(ctx, "collections/", nil)
	if err != nil {
		return nil, err
	}
	var list CollectionsResource
	if err := c.jsonCall(ctx, http.MethodGet, u, MediaTypeTAXII, nil, &list); err != nil {
		return nil, err
	}
	return list.Collections, nil
}

// Collection finds a collection the caller can see by id, alias or title,
// in that order, through TAXII (so any account can, not only admins).
// store.ErrNotFound when none matches.
func (c *Client) Collection(ctx context.Context, ref string) (CollectionResource, error) {
	list, err := c.Collections(ctx)
	if err != nil {
		return CollectionResource{}, err
	}
	for _, match := range []func(CollectionResource) bool{
		func(r CollectionResource) bool { return r.ID == ref },
		func(r CollectionResource) bool { return r.Alias != "" && r.Alias == ref },
		func(r CollectionResource) bool { return r.Title == ref },
	} {
		for _, r := range list {
			if match(r) {
				return r, nil
			}
		}
	}
	return CollectionResource{}, fmt.Errorf("collection %q: %w (or this account cannot see it)", ref, store.ErrNotFound)
}

// AddedObject is what an add request did with one object, in the order
// the objects were given.
type AddedObject struct {
	ID, Version string
	// Outcome is one of the Outcome* words. A server that does not send
	// x_herald_outcomes (not Herald) gives no more than success or
	// failure: OutcomeAdded or OutcomeInvalid. A failure the status
	// counted but did not list is OutcomeUnlisted.
	Outcome string
	// Message is the server's status-details message, for people.
	Message string
}

// OutcomeUnlisted is AddedObject.Outcome for an object that the status
// does not name although it counts more failures than it lists (Herald
// lists at most 10,000): one of the unlisted failures, never an addition.
const OutcomeUnlisted = "unlisted"

// AddObjects posts the objects to the collection as one TAXII envelope
// (§5.5), waits until the status is complete, and returns each object's
// outcome, read from x_herald_outcomes (never from the messages). The
// caller keeps the request within MaxContentLength.
func (c *Client) AddObjects(ctx context.Context, collectionID string, objs []stix.Object) ([]AddedObject, error) {
	if len(objs) == 0 {
		return nil, nil
	}
	u, err := c.rootURL(ctx, "collections/"+url.PathEscape(collectionID)+"/objects/", nil)
	if err != nil {
		return nil, err
	}
	var body bytes.Buffer
	body.WriteString(`{"objects":[`)
	for i, o := range objs {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(o.JSON)
	}
	body.WriteString(`]}`)
	resp, err := c.do(ctx, http.MethodPost, u, MediaTypeTAXII, &body, MediaTypeTAXII)
	if err != nil {
		return nil, err
	}
	var st StatusResource
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("add objects: decode status: %w", err)
	}
	for delay := 50 * time.Millisecond; st.Status == "pending"; delay = min(2*delay, 2*time.Second) {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		su, err := c.rootURL(ctx, "status/"+url.PathEscape(st.ID)+"/", nil)
		if err != nil {
			return nil, err
		}
		if err := c.jsonCall(ctx, http.MethodGet, su, MediaTypeTAXII, nil, &st); err != nil {
			return nil, fmt.Errorf("status %s: %w", st.ID, err)
		}
	}
	return matchStatus(st, objs), nil
}

// matchStatus gives each object its entry of the status and the entry's
// outcome. Entries are matched by id and version; an object given twice
// in one request has two entries, consumed in order (successes first:
// the counts are right even when the status does not say which of the
// two came first).
func matchStatus(st StatusResource, objs []stix.Object) []AddedObject {
	outs := st.Outcomes
	if outs != nil && (len(outs.Successes) != len(st.Successes) || len(outs.Failures) != len(st.Failures)) {
		outs = nil // not aligned with the lists: unusable
	}
	type key struct{ id, version string }
	done := make(map[key][]AddedObject, len(st.Successes)+len(st.Failures))
	for i, d := range st.Successes {
		o := OutcomeAdded
		if outs != nil {
			o = outs.Successes[i]
		}
		k := key{d.ID, d.Version}
		done[k] = append(done[k], AddedObject{ID: d.ID, Version: d.Version, Outcome: o, Message: d.Message})
	}
	for i, d := range st.Failures {
		o := OutcomeInvalid
		if outs != nil {
			o = outs.Failures[i]
		}
		k := key{d.ID, d.Version}
		done[k] = append(done[k], AddedObject{ID: d.ID, Version: d.Version, Outcome: o, Message: d.Message})
	}
	take := func(k key) (AddedObject, bool) {
		q := done[k]
		if len(q) == 0 {
			return AddedObject{}, false
		}
		done[k] = q[1:]
		return q[0], true
	}
	truncated := st.FailureCount > len(st.Failures)
	out := make([]AddedObject, len(objs))
	for i, o := range objs {
		r, ok := take(key{o.ID, o.Version()})
		if !ok {
			r, ok = take(key{o.ID, ""})
		}
		switch {
		case ok:
		case truncated:
			r = AddedObject{Outcome: OutcomeUnlisted,
				Message: fmt.Sprintf("failed on the server (its status lists %d of %d failures)", len(st.Failures), st.FailureCount)}
		default:
			// Not named at all: a server that lists only failures.
			r = AddedObject{Outcome: OutcomeAdded}
		}
		r.ID, r.Version = o.ID, o.Version()
		out[i] = r
	}
	return out
}

// Envelope is a TAXII 2.1 envelope (§3.7) with the objects kept as the
// server's bytes.
type Envelope struct {
	More    bool              `json:"more,omitempty"`
	Next    string            `json:"next,omitempty"`
	Objects []json.RawMessage `json:"objects,omitempty"`
}

// ObjectsQuery selects what WalkObjects reads (TAXII §3.4 filters).
type ObjectsQuery struct {
	Types       []string  // match[type]
	AddedAfter  time.Time // added_after; zero: none
	AllVersions bool      // match[version]=all
	Limit       int       // page size asked for; zero: the server's
}

// WalkObjects pages through the collection's objects (TAXII Get Objects,
// following next) and calls fn with each object's bytes, in date_added
// order; the bytes are valid only during the call.
func (c *Client) WalkObjects(ctx context.Context, collectionID string, oq ObjectsQuery, fn func(obj []byte) error) error {
	q := url.Values{}
	if oq.Limit > 0 {
		q.Set("limit", strconv.Itoa(oq.Limit))
	}
	if !oq.AddedAfter.IsZero() {
		q.Set("added_after", formatTimestamp(oq.AddedAfter))
	}
	if len(oq.Types) > 0 {
		q.Set("match[type]", strings.Join(oq.Types, ","))
	}
	if oq.AllVersions {
		q.Set("match[version]", store.VersionAll)
	}
	for {
		u, err := c.rootURL(ctx, "collections/"+url.PathEscape(collectionID)+"/objects/", q)
		if err != nil {
			return err
		}
		var env Envelope
		if err := c.jsonCall(ctx, http.MethodGet, u, MediaTypeTAXII, nil, &env); err != nil {
			return err
		}
		for _, o := range env.Objects {
			if err := fn(o); err != nil {
				return err
			}
		}
		if !env.More || env.Next == "" || len(env.Objects) == 0 {
			return nil
		}
		q.Set("next", env.Next)
	}
}

// Object returns the versions of one object that match[version] selects
// (TAXII Get an Object; "" means the server's default, the latest), in
// date_added order. store.ErrNotFound when there is none.
func (c *Client) Object(ctx context.Context, collectionID, id, version string) ([]json.RawMessage, error) {
	var q url.Values
	if version != "" {
		q = url.Values{"match[version]": {version}}
	}
	u, err := c.rootURL(ctx, "collections/"+url.PathEscape(collectionID)+"/objects/"+url.PathEscape(id)+"/", q)
	if err != nil {
		return nil, err
	}
	var env Envelope
	if err := c.jsonCall(ctx, http.MethodGet, u, MediaTypeTAXII, nil, &env); err != nil {
		return nil, fmt.Errorf("object %s: %w", id, err)
	}
	if len(env.Objects) == 0 {
		return nil, fmt.Errorf("object %s: %w", id, store.ErrNotFound)
	}
	return env.Objects, nil
}

// AdminCollections lists every collection with its settings (admin API).
func (c *Client) AdminCollections(ctx context.Context) ([]AdminCollection, error) {
	var cs []AdminCollection
	err := c.jsonCall(ctx, http.MethodGet, c.adminURL("collections"), mediaJSON, nil, &cs)
	return cs, err
}

// CreateCollection creates a collection (admin API) and returns it.
func (c *Client) CreateCollection(ctx context.Context, in AdminCollection) (AdminCollection, error) {
	var out AdminCollection
	err := c.jsonCall(ctx, http.MethodPost, c.adminURL("collections"), mediaJSON, in, &out)
	return out, err
}

// UpdateCollection changes the fields u holds of the collection ref (id,
// title or alias) names (admin API) and returns it.
func (c *Client) UpdateCollection(ctx context.Context, ref string, u AdminCollectionUpdate) (AdminCollection, error) {
	var out AdminCollection
	err := c.jsonCall(ctx, http.MethodPatch, c.adminURL("collections", ref), mediaJSON, u, &out)
	return out, err
}

// DeleteCollection deletes a collection with its objects (admin API).
func (c *Client) DeleteCollection(ctx context.Context, ref string) error {
	return c.jsonCall(ctx, http.MethodDelete, c.adminURL("collections", ref), mediaJSON, nil, nil)
}

// Users lists the accounts (admin API).
func (c *Client) Users(ctx context.Context) ([]AdminUser, error) {
	var us []AdminUser
	err := c.jsonCall(ctx, http.MethodGet, c.adminURL("users"), mediaJSON, nil, &us)
	return us, err
}

// CreateUser creates an account (admin API).
func (c *Client) CreateUser(ctx context.Context, u AdminUser) error {
	return c.jsonCall(ctx, http.MethodPost, c.adminURL("users"), mediaJSON, u, nil)
}

// SetPassword sets an account's password (admin API).
func (c *Client) SetPassword(ctx context.Context, name, password string) error {
	return c.jsonCall(ctx, http.MethodPut, c.adminURL("users", name, "password"), mediaJSON, AdminPassword{Password: password}, nil)
}

// DeleteUser deletes an account (admin API).
func (c *Client) DeleteUser(ctx context.Context, name string) error {
	return c.jsonCall(ctx, http.MethodDelete, c.adminURL("users", name), mediaJSON, nil, nil)
}

// SetGrant sets an account's access to a collection (admin API); a zero
// grant removes it.
func (c *Client) SetGrant(ctx context.Context, name, collectionRef string, g AdminGrant) error {
	return c.jsonCall(ctx, http.MethodPut, c.adminURL("users", name, "grants", collectionRef), mediaJSON, g, nil)
}

// CreateToken creates a bearer token for an account (admin API); the
// answer holds the secret, shown only here.
func (c *Client) CreateToken(ctx context.Context, name string) (AdminToken, error) {
	var t AdminToken
	err := c.jsonCall(ctx, http.MethodPost, c.adminURL("users", name, "tokens"), mediaJSON, struct{}{}, &t)
	return t, err
}

// DeleteToken revokes a bearer token (admin API).
func (c *Client) DeleteToken(ctx context.Context, name, id string) error {
	return c.jsonCall(ctx, http.MethodDelete, c.adminURL("users", name, "tokens", id), mediaJSON, nil, nil)
}

// Check runs the server's consistency check (admin API).
func (c *Client) Check(ctx context.Context) (AdminCheck, error) {
	var out AdminCheck
	err := c.jsonCall(ctx, http.MethodGet, c.adminURL("check"), mediaJSON, nil, &out)
	return out, err
}

// Backup streams a consistent copy of the server's database (admin API)
// into w and returns the bytes written.
func (c *Client) Backup(ctx context.Context, w io.Writer) (int64, error) {
	resp, err := c.do(ctx, http.MethodGet, c.adminURL("backup"), "", nil, "application/octet-stream")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return io.Copy(w, resp.Body)
}
