package main

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
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/taxii"
)

// The media type of TAXII 2.1 requests and responses.
const taxiiMediaType = "application/taxii+json;version=2.1"

// remoteBackend works through a running server: TAXII 2.1 for objects and
// the admin API for collections, accounts, checks and backups.
type remoteBackend struct {
	base   *url.URL // the server, e.g. http://127.0.0.1:8080/
	client *http.Client
	user   string
	pass   string
	token  string

	root       *url.URL // the API root, from discovery
	maxContent int64    // the API root's max_content_length
}

func newRemoteBackend(ctx context.Context, m *Main, f *dataFlags) (*remoteBackend, error) {
	u, err := url.Parse(f.server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("--server %q: want an http:// or https:// URL such as http://127.0.0.1:8080", f.server)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	b := &remoteBackend{base: u, user: f.user, token: m.getenv("HERALD_TOKEN")}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if f.caCert != "" {
		pem, err := os.ReadFile(f.caCert)
		if err != nil {
			return nil, fmt.Errorf("ca cert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca cert %s: no PEM certificate found", f.caCert)
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	b.client = &http.Client{Transport: transport, CheckRedirect: b.checkRedirect}
	if u.Scheme == "http" && !loopbackHost(u.Hostname()) {
		fmt.Fprintf(m.Stderr, "herald: warning: --server %s is plain http to a host that is not this machine: credentials and data travel in clear text; use https://\n", u.Redacted())
	}
	if b.token == "" && b.user != "" {
		b.pass = m.getenv("HERALD_PASSWORD")
		if b.pass == "" {
			if b.pass, err = m.ReadPassword(fmt.Sprintf("Password for %s at %s: ", b.user, u.Host)); err != nil {
				return nil, fmt.Errorf("read password: %w (set HERALD_PASSWORD)", err)
			}
		}
	}
	return b, nil
}

func (b *remoteBackend) Close() error {
	b.client.CloseIdleConnections()
	return nil
}

// remoteError is an error answer of the server (a TAXII error resource).
type remoteError struct {
	Status      int
	Title       string `json:"title"`
	Description string `json:"description"`
	Details     any    `json:"details"`
}

func (e *remoteError) Error() string {
	msg := fmt.Sprintf("server answered %d", e.Status)
	if e.Title != "" {
		msg += ": " + e.Title
	}
	if e.Description != "" && e.Description != e.Title {
		msg += ": " + e.Description
	}
	if e.Status == http.StatusUnauthorized {
		msg += " (set HERALD_USER and HERALD_PASSWORD, or HERALD_TOKEN)"
	}
	return msg
}

// Unwrap maps statuses to the store's errors, so commands treat a
// missing collection alike on both backends.
func (e *remoteError) Unwrap() error {
	switch e.Status {
	case http.StatusNotFound:
		return store.ErrNotFound
	case http.StatusConflict:
		return store.ErrExists
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return store.ErrBadParameter
	}
	return nil
}

// do sends one request. in, when not nil, is sent as JSON (or as is when
// it is an io.Reader with contentType set). The response body is returned
// open on 2xx; any other status becomes a *remoteError.
func (b *remoteBackend) do(ctx context.Context, method string, u *url.URL, contentType string, body io.Reader, accept string) (*http.Response, error) {
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
	case b.token != "":
		req.Header.Set("Authorization", "Bearer "+b.token)
	case b.user != "":
		req.SetBasicAuth(b.user, b.pass)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, u.Redacted(), err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	re := &remoteError{Status: resp.StatusCode}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if json.Unmarshal(data, re) != nil || re.Title == "" {
		re.Title = strings.TrimSpace(string(data))
		if len(re.Title) > 200 {
			re.Title = re.Title[:200] + "..."
		}
	}
	return nil, fmt.Errorf("%s %s: %w", method, u.Path, re)
}

// jsonCall sends in as JSON (when not nil) and decodes the answer into
// out (when not nil).
func (b *remoteBackend) jsonCall(ctx context.Context, method string, u *url.URL, accept string, in, out any) error {
	var body io.Reader
	ct := ""
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
		ct = "application/json"
		if accept == taxiiMediaType {
			ct = taxiiMediaType
		}
	}
	resp, err := b.do(ctx, method, u, ct, body, accept)
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

// ref resolves a path (with optional query) against the server URL.
func (b *remoteBackend) ref(path string, q url.Values) *url.URL {
	u := b.base.ResolveReference(&url.URL{Path: strings.TrimPrefix(path, "/")})
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u
}

// adminURL is the server's /admin/ followed by the escaped path elements
// (names and titles may hold spaces or slashes).
func (b *remoteBackend) adminURL(elems ...string) *url.URL {
	esc := make([]string, len(elems))
	for i, e := range elems {
		esc[i] = url.PathEscape(e)
	}
	raw := strings.TrimSuffix(b.base.EscapedPath(), "/") + "/admin/" + strings.Join(esc, "/")
	u := *b.base
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
// --server: never one that drops TLS or carries the Authorization header
// to another host.
func (b *remoteBackend) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if !sameServer(req.URL, b.base) {
		return fmt.Errorf("refusing a redirect from %s to %s: another scheme or host than --server", via[len(via)-1].URL.Redacted(), req.URL.Redacted())
	}
	return nil
}

// apiRoot finds the API root through discovery (its default, else the
// first listed) and reads its max_content_length. It is done once.
func (b *remoteBackend) apiRoot(ctx context.Context) (*url.URL, error) {
	if b.root != nil {
		return b.root, nil
	}
	var disc struct {
		Default  string   `json:"default"`
		APIRoots []string `json:"api_roots"`
	}
	if err := b.jsonCall(ctx, http.MethodGet, b.ref("taxii2/", nil), taxiiMediaType, nil, &disc); err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	root := disc.Default
	if root == "" && len(disc.APIRoots) > 0 {
		root = disc.APIRoots[0]
	}
	if root == "" {
		return nil, errors.New("discovery lists no API root")
	}
	ru, err := b.base.Parse(root)
	if err != nil {
		return nil, fmt.Errorf("discovery: api root %q: %w", root, err)
	}
	if !sameServer(ru, b.base) {
		// Credentials go only where --server points.
		return nil, fmt.Errorf("discovery names the API root %s, on another scheme or host than --server %s; herald will not send credentials there. "+
			"If the server is behind a TLS proxy, set its public URL (public_base_url / HERALD_PUBLIC_BASE_URL) to %s://%s",
			ru.Redacted(), b.base.Redacted(), b.base.Scheme, b.base.Host)
	}
	if !strings.HasSuffix(ru.Path, "/") {
		ru.Path += "/"
	}
	var info struct {
		MaxContentLength int64 `json:"max_content_length"`
	}
	if err := b.jsonCall(ctx, http.MethodGet, ru, taxiiMediaType, nil, &info); err != nil {
		return nil, fmt.Errorf("api root: %w", err)
	}
	b.root, b.maxContent = ru, info.MaxContentLength
	return ru, nil
}

func (b *remoteBackend) rootURL(ctx context.Context, path string, q url.Values) (*url.URL, error) {
	root, err := b.apiRoot(ctx)
	if err != nil {
		return nil, err
	}
	u := root.ResolveReference(&url.URL{Path: path})
	u.RawQuery = q.Encode()
	return u, nil
}

func fromAdminCollection(c taxii.AdminCollection) store.Collection {
	return store.Collection{ID: c.ID, Title: c.Title, Description: c.Description, Alias: c.Alias,
		MediaTypes: c.MediaTypes, PublicRead: c.PublicRead, OnConflict: policyOrKeep(c.OnConflict)}
}

// policyOrKeep reads a server's on_conflict; a server that does not say
// (an older Herald) keeps.
func policyOrKeep(s string) store.ConflictPolicy {
	if p, err := store.ParseConflictPolicy(s); err == nil {
		return p
	}
	return store.ConflictKeep
}

func (b *remoteBackend) Collections(ctx context.Context) ([]store.Collection, error) {
	var cs []taxii.AdminCollection
	if err := b.jsonCall(ctx, http.MethodGet, b.adminURL("collections"), "application/json", nil, &cs); err != nil {
		return nil, err
	}
	out := make([]store.Collection, len(cs))
	for i, c := range cs {
		out[i] = fromAdminCollection(c)
	}
	return out, nil
}

// Collection resolves ref through TAXII's collection list, so that it
// works for any account that can see the collection, not only admins.
func (b *remoteBackend) Collection(ctx context.Context, ref string) (store.Collection, error) {
	u, err := b.rootURL(ctx, "collections/", nil)
	if err != nil {
		return store.Collection{}, err
	}
	var list struct {
		Collections []struct {
			ID          string   `json:"id"`
			Title       string   `json:"title"`
			Description string   `json:"description"`
			Alias       string   `json:"alias"`
			MediaTypes  []string `json:"media_types"`
			OnConflict  string   `json:"x_herald_on_conflict"`
		} `json:"collections"`
	}
	if err := b.jsonCall(ctx, http.MethodGet, u, taxiiMediaType, nil, &list); err != nil {
		return store.Collection{}, err
	}
	for _, match := range []func(id, title, alias string) bool{
		func(id, _, _ string) bool { return id == ref },
		func(_, _, alias string) bool { return alias != "" && alias == ref },
		func(_, title, _ string) bool { return title == ref },
	} {
		for _, c := range list.Collections {
			if match(c.ID, c.Title, c.Alias) {
				return store.Collection{ID: c.ID, Title: c.Title, Description: c.Description, Alias: c.Alias, MediaTypes: c.MediaTypes,
					OnConflict: policyOrKeep(c.OnConflict)}, nil
			}
		}
	}
	return store.Collection{}, fmt.Errorf("collection %q: %w (or this account cannot see it)", ref, store.ErrNotFound)
}

func (b *remoteBackend) CreateCollection(ctx context.Context, c store.Collection) (store.Collection, error) {
	in := taxii.AdminCollection{Title: c.Title, Description: c.Description, Alias: c.Alias, MediaTypes: c.MediaTypes, PublicRead: c.PublicRead,
		OnConflict: string(c.OnConflict)}
	var out taxii.AdminCollection
	if err := b.jsonCall(ctx, http.MethodPost, b.adminURL("collections"), "application/json", in, &out); err != nil {
		return store.Collection{}, err
	}
	return fromAdminCollection(out), nil
}

func (b *remoteBackend) UpdateCollection(ctx context.Context, ref string, u taxii.AdminCollectionUpdate) (store.Collection, error) {
	var out taxii.AdminCollection
	if err := b.jsonCall(ctx, http.MethodPatch, b.adminURL("collections", ref), "application/json", u, &out); err != nil {
		return store.Collection{}, err
	}
	return fromAdminCollection(out), nil
}

func (b *remoteBackend) DeleteCollection(ctx context.Context, ref string) error {
	return b.jsonCall(ctx, http.MethodDelete, b.adminURL("collections", ref), "application/json", nil, nil)
}

// envelopeOverhead is the room left in a TAXII add request for
// {"objects":[...]} around the objects.
const envelopeOverhead = 64

func (b *remoteBackend) MaxBatchBytes() int64 {
	if b.maxContent <= envelopeOverhead {
		return 0
	}
	return b.maxContent - envelopeOverhead
}

// statusResource is a TAXII 2.1 status resource.
type statusResource struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Successes []struct {
		ID      string `json:"id"`
		Version string `json:"version"`
		Message string `json:"message"`
	} `json:"successes"`
	Failures []struct {
		ID      string `json:"id"`
		Version string `json:"version"`
		Message string `json:"message"`
	} `json:"failures"`
	FailureCount int                   `json:"failure_count"`
	PendingCount int                   `json:"pending_count"`
	Outcomes     *taxii.StatusOutcomes `json:"x_herald_outcomes"`
}

// PutObjects posts the batch as one TAXII envelope (import keeps batches
// under MaxBatchBytes) and waits for the status to be complete. The
// server settles conflicts by the collection's on_conflict; policy is
// not sent.
func (b *remoteBackend) PutObjects(ctx context.Context, coll store.Collection, objs []stix.Object, policy store.ConflictPolicy) ([]putResult, error) {
	if len(objs) == 0 {
		return nil, nil
	}
	u, err := b.rootURL(ctx, "collections/"+url.PathEscape(coll.ID)+"/objects/", nil)
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
	resp, err := b.do(ctx, http.MethodPost, u, taxiiMediaType, &body, taxiiMediaType)
	if err != nil {
		return nil, err
	}
	var st statusResource
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
		su, err := b.rootURL(ctx, "status/"+url.PathEscape(st.ID)+"/", nil)
		if err != nil {
			return nil, err
		}
		if err := b.jsonCall(ctx, http.MethodGet, su, taxiiMediaType, nil, &st); err != nil {
			return nil, fmt.Errorf("status %s: %w", st.ID, err)
		}
	}
	// The status lists each object once; report them in input order.
	type key struct{ id, version string }
	done := map[key]putResult{}
	outs := st.Outcomes
	if outs != nil && (len(outs.Successes) != len(st.Successes) || len(outs.Failures) != len(st.Failures)) {
		outs = nil // not aligned with the lists: ignore it
	}
	conflicted, notWritten := false, false
	for i, s := range st.Successes {
		o := outcomeFromMessage(s.Message)
		if outs != nil {
			o = successOutcome(outs.Successes[i])
		}
		done[key{s.ID, s.Version}] = putResult{ID: s.ID, Version: s.Version, Outcome: o}
	}
	for i, f := range st.Failures {
		r := putResult{ID: f.ID, Version: f.Version, Outcome: outRejected, Reason: f.Message}
		if outs != nil {
			switch outs.Failures[i] {
			case taxii.OutcomeConflict:
				r.Outcome = outConflict
				conflicted = true
			case taxii.OutcomeNotWritten:
				notWritten = true
			}
		}
		done[key{f.ID, f.Version}] = r
	}
	// Under on_conflict fail the server wrote nothing of this request.
	if conflicted && (notWritten || coll.OnConflict == store.ConflictFail) {
		ce := &store.ConflictError{}
		for i, o := range objs {
			if r, ok := done[key{o.ID, o.Version()}]; ok && r.Outcome == outConflict {
				ce.Conflicts = append(ce.Conflicts, store.ConflictDetail{Index: i,
					PutResult: store.PutResult{ID: o.ID, Version: o.Version(), Outcome: store.Conflict}})
			}
		}
		return nil, ce
	}
	// A server may list fewer failures than it counts (Herald lists at
	// most 10,000): then an object it does not name among the successes
	// is one of the unlisted failures, not an addition.
	truncated := st.FailureCount > len(st.Failures)
	out := make([]putResult, len(objs))
	for i, o := range objs {
		r, ok := done[key{o.ID, o.Version()}]
		if !ok {
			r, ok = done[key{o.ID, ""}]
		}
		switch {
		case ok:
		case truncated:
			r = putResult{Outcome: outRejected, Reason: fmt.Sprintf("failed on the server (its status lists %d of %d failures)", len(st.Failures), st.FailureCount)}
		default:
			r = putResult{Outcome: outAdded}
		}
		r.ID, r.Version = o.ID, o.Version()
		out[i] = r
	}
	return out, nil
}

// successOutcome maps an outcome word of x_herald_outcomes.
func successOutcome(w string) outcome {
	switch w {
	case taxii.OutcomeNewVersion:
		return outNewVersion
	case taxii.OutcomeUnchanged:
		return outUnchanged
	case taxii.OutcomeReplaced:
		return outReplaced
	}
	return outAdded
}

// outcomeFromMessage reads the status-details message of a success from
// a server that does not send x_herald_outcomes.
func outcomeFromMessage(msg string) outcome {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "unchanged"), strings.Contains(m, "already"):
		return outUnchanged
	case strings.Contains(m, "new version"):
		return outNewVersion
	}
	return outAdded
}

// envelope is a TAXII 2.1 envelope with the objects kept as raw bytes.
type envelope struct {
	More    bool              `json:"more"`
	Next    string            `json:"next"`
	Objects []json.RawMessage `json:"objects"`
}

func (b *remoteBackend) WalkObjects(ctx context.Context, coll store.Collection, wq walkQuery, fn func([]byte) error) error {
	q := url.Values{}
	q.Set("limit", strconv.Itoa(exportPageSize))
	if !wq.AddedAfter.IsZero() {
		q.Set("added_after", wq.AddedAfter.UTC().Format("2006-01-02T15:04:05.000000Z"))
	}
	if len(wq.Types) > 0 {
		q.Set("match[type]", strings.Join(wq.Types, ","))
	}
	if wq.AllVersions {
		q.Set("match[version]", "all")
	}
	for {
		u, err := b.rootURL(ctx, "collections/"+url.PathEscape(coll.ID)+"/objects/", q)
		if err != nil {
			return err
		}
		var env envelope
		if err := b.jsonCall(ctx, http.MethodGet, u, taxiiMediaType, nil, &env); err != nil {
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

func (b *remoteBackend) Latest(ctx context.Context, coll store.Collection, id string) (stix.Object, error) {
	u, err := b.rootURL(ctx, "collections/"+url.PathEscape(coll.ID)+"/objects/"+url.PathEscape(id)+"/", nil)
	if err != nil {
		return stix.Object{}, err
	}
	var env envelope
	if err := b.jsonCall(ctx, http.MethodGet, u, taxiiMediaType, nil, &env); err != nil {
		return stix.Object{}, fmt.Errorf("object %s: %w", id, err)
	}
	if len(env.Objects) == 0 {
		return stix.Object{}, fmt.Errorf("object %s: %w", id, store.ErrNotFound)
	}
	return objectFromJSON(env.Objects[len(env.Objects)-1])
}

func (b *remoteBackend) StoredVersion(ctx context.Context, coll store.Collection, id, version string) ([]byte, error) {
	u, err := b.rootURL(ctx, "collections/"+url.PathEscape(coll.ID)+"/objects/"+url.PathEscape(id)+"/", url.Values{"match[version]": {version}})
	if err != nil {
		return nil, err
	}
	var env envelope
	if err := b.jsonCall(ctx, http.MethodGet, u, taxiiMediaType, nil, &env); err != nil {
		return nil, err
	}
	if len(env.Objects) == 0 {
		return nil, store.ErrNotFound
	}
	return env.Objects[0], nil
}

func (b *remoteBackend) Accounts(ctx context.Context) ([]account, error) {
	var us []taxii.AdminUser
	if err := b.jsonCall(ctx, http.MethodGet, b.adminURL("users"), "application/json", nil, &us); err != nil {
		return nil, err
	}
	out := make([]account, len(us))
	for i, u := range us {
		a := account{Name: u.Name, Admin: u.Admin, Grants: map[string]store.Grant{}}
		for id, g := range u.Grants {
			a.Grants[id] = store.Grant{Read: g.Read, Write: g.Write}
		}
		for _, t := range u.Tokens {
			a.Tokens = append(a.Tokens, store.APIToken{ID: t.ID, Created: t.Created})
		}
		out[i] = a
	}
	return out, nil
}

func (b *remoteBackend) CreateAccount(ctx context.Context, name, password string, admin bool) error {
	in := taxii.AdminUser{Name: name, Password: password, Admin: admin}
	return b.jsonCall(ctx, http.MethodPost, b.adminURL("users"), "application/json", in, nil)
}

func (b *remoteBackend) SetPassword(ctx context.Context, name, password string) error {
	return b.jsonCall(ctx, http.MethodPut, b.adminURL("users", name, "password"), "application/json", taxii.AdminPassword{Password: password}, nil)
}

func (b *remoteBackend) DeleteAccount(ctx context.Context, name string) error {
	return b.jsonCall(ctx, http.MethodDelete, b.adminURL("users", name), "application/json", nil, nil)
}

func (b *remoteBackend) Grant(ctx context.Context, name, ref string, g store.Grant) error {
	return b.jsonCall(ctx, http.MethodPut, b.adminURL("users", name, "grants", ref), "application/json", taxii.AdminGrant{Read: g.Read, Write: g.Write}, nil)
}

func (b *remoteBackend) AddToken(ctx context.Context, name string) (string, string, error) {
	var t taxii.AdminToken
	if err := b.jsonCall(ctx, http.MethodPost, b.adminURL("users", name, "tokens"), "application/json", struct{}{}, &t); err != nil {
		return "", "", err
	}
	return t.ID, t.Token, nil
}

func (b *remoteBackend) DeleteToken(ctx context.Context, name, id string) error {
	return b.jsonCall(ctx, http.MethodDelete, b.adminURL("users", name, "tokens", id), "application/json", nil, nil)
}

func (b *remoteBackend) Check(ctx context.Context) ([]store.CheckProblem, error) {
	var c taxii.AdminCheck
	if err := b.jsonCall(ctx, http.MethodGet, b.adminURL("check"), "application/json", nil, &c); err != nil {
		return nil, err
	}
	out := make([]store.CheckProblem, len(c.Problems))
	for i, p := range c.Problems {
		out[i] = store.CheckProblem{Subject: p.Subject, Reason: p.Reason, Detail: p.Detail}
	}
	return out, nil
}

// Backup streams GET /admin/backup into a temporary file beside path,
// syncs it and renames it into place, so path is never half written.
func (b *remoteBackend) Backup(ctx context.Context, path string) (int64, error) {
	resp, err := b.do(ctx, http.MethodGet, b.adminURL("backup"), "", nil, "application/octet-stream")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return writeFileAtomic(path, resp.Body)
}

// writeFileAtomic copies r into path through writeFileWith. The copy is
// readable by its owner only: a backup holds password hashes.
func writeFileAtomic(path string, r io.Reader) (int64, error) {
	var n int64
	_, err := writeFileWith(path, 0o600, func(w io.Writer) (int, error) {
		var err error
		n, err = io.Copy(w, r)
		return 0, err
	})
	return n, err
}
