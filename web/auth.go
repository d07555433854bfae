package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/taxii"
)

// Cookies. Both are HttpOnly, SameSite=Strict, limited to the pages' path,
// and Secure whenever browsers reach the server over HTTPS.
const (
	sessionCookie = "herald_session" // a signed sign-in (session)
	loginCookie   = "herald_login"   // the random value the sign-in form's CSRF token is bound to
)

// session is the signed content of the session cookie. Nothing is kept on
// the server: the signature (HMAC-SHA256 with a key derived from the
// database's persistent secret) makes it unforgeable, Expires bounds it,
// and Stamp ties it to the password it was opened with, so changing the
// password (or removing the account) ends every session at once.
type session struct {
	Name    string `json:"n"`
	Expires int64  `json:"e"` // Unix seconds
	Stamp   string `json:"s"`
	Nonce   string `json:"i"` // random; the sign-out form's CSRF token is bound to it
}

// signingKey is derived once from the store's persistent secret, so
// sessions survive restarts and work on every replica sharing the database.
func (p *Pages) signingKey(r *request) ([]byte, error) {
	p.keyMu.Lock()
	defer p.keyMu.Unlock()
	if p.key != nil {
		return p.key, nil
	}
	secret, err := p.db.TokenSecret(r.ctx)
	if err != nil {
		return nil, fmt.Errorf("web: session key: %w", err)
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("herald web pages: sessions and forms v1"))
	p.key = m.Sum(nil)
	return p.key, nil
}

func (p *Pages) mac(key []byte, purpose, value string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func randomToken() string {
	var b [18]byte
	_, _ = rand.Read(b[:]) // never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// identify decides who the visitor is: an Authorization header (Basic or
// Bearer, through TAXII's checks and throttle) wins; else a valid session
// cookie; else anonymous. A bad header is refused (401/429) as over TAXII;
// a bad, expired or outdated cookie is dropped and the visitor is
// anonymous.
func (p *Pages) identify(r *request) error {
	if r.c.Request().Header.Get("Authorization") != "" {
		v, err := p.gate.Authenticate(r.c)
		if err != nil {
			return err
		}
		r.visitor = v
		return nil
	}
	ck, err := r.c.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return nil
	}
	key, err := p.signingKey(r)
	if err != nil {
		return err
	}
	s, ok := p.openSession(key, ck.Value)
	if !ok {
		p.clearCookie(r, sessionCookie)
		return nil
	}
	v, stamp, err := p.gate.AccountVisitor(r.ctx, s.Name)
	if errors.Is(err, store.ErrNotFound) || err == nil && !hmac.Equal([]byte(stamp), []byte(s.Stamp)) {
		p.clearCookie(r, sessionCookie)
		return nil
	}
	if err != nil {
		return err
	}
	r.visitor, r.session = v, &s
	r.csrf = p.mac(key, "sign-out", s.Nonce)
	p.gate.SetVisitor(r.c, v)
	return nil
}

func (p *Pages) sealSession(key []byte, s session) string {
	body, _ := json.Marshal(s) // plain strings and an int: cannot fail
	payload := base64.RawURLEncoding.EncodeToString(body)
	return payload + "." + p.mac(key, "session", payload)
}

func (p *Pages) openSession(key []byte, v string) (session, bool) {
	payload, sig, ok := strings.Cut(v, ".")
	if !ok || len(v) > 2048 || !hmac.Equal([]byte(sig), []byte(p.mac(key, "session", payload))) {
		return session{}, false
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return session{}, false
	}
	var s session
	if err := json.Unmarshal(body, &s); err != nil || s.Name == "" || s.Nonce == "" {
		return session{}, false
	}
	if !p.opt.Now().Before(time.Unix(s.Expires, 0)) {
		return session{}, false
	}
	return s, true
}

func (p *Pages) setCookie(r *request, name, value string, maxAge time.Duration) {
	http.SetCookie(r.c.Response(), &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     Prefix,
		MaxAge:   int(maxAge.Seconds()),
		HttpOnly: true,
		Secure:   p.gate.SecureCookies(r.c.Request()),
		SameSite: http.SameSiteStrictMode,
	})
}

func (p *Pages) clearCookie(r *request, name string) {
	http.SetCookie(r.c.Response(), &http.Cookie{
		Name: name, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true,
		Secure: p.gate.SecureCookies(r.c.Request()), SameSite: http.SameSiteStrictMode,
	})
}

// sameOrigin refuses a form posted from another site: when the browser
// says where the form came from (Origin, else Referer), it must be this
// host. SameSite=Strict cookies and the CSRF token already stop such
// posts; this is one more lock.
func sameOrigin(req *http.Request) bool {
	src := req.Header.Get("Origin")
	if src == "" {
		src = req.Header.Get("Referer")
	}
	if src == "" {
		return true
	}
	u, err := url.Parse(src)
	if err != nil {
		return false
	}
	// Behind a proxy that rewrites Host, the browser's host is in
	// X-Forwarded-Host.
	return u.Host == req.Host || u.Host != "" && u.Host == req.Header.Get("X-Forwarded-Host")
}

type loginData struct {
	CSRF    string
	Next    string
	Name    string
	Problem string
}

func (loginData) PageTitle() string { return "Sign in" }

// safeNext keeps a post-sign-in destination only when it is a page of
// this site (no scheme, no other host).
func safeNext(next string) string {
	if next == Prefix {
		return Prefix + "/"
	}
	if next == "" || !strings.HasPrefix(next, Prefix+"/") || strings.HasPrefix(next, "//") ||
		strings.ContainsAny(next, "\\\r\n") {
		return Prefix + "/"
	}
	return next
}

// loginForm shows the sign-in form, binding its CSRF token to a fresh
// random cookie.
func (p *Pages) loginForm(r *request) error {
	return p.showLogin(r, http.StatusOK, r.c.QueryParam("next"), "", "")
}

func (p *Pages) showLogin(r *request, status int, next, name, problem string) error {
	key, err := p.signingKey(r)
	if err != nil {
		return err
	}
	nonce := ""
	if ck, err := r.c.Cookie(loginCookie); err == nil && len(ck.Value) >= 16 && len(ck.Value) <= 64 {
		nonce = ck.Value
	} else {
		nonce = randomToken()
		p.setCookie(r, loginCookie, nonce, 2*time.Hour)
	}
	d := loginData{CSRF: p.mac(key, "sign-in", nonce), Next: safeNext(next), Name: name, Problem: problem}
	return p.render(r, status, "login", d, crumb{"Sign in", ""})
}

// maxFormBytes bounds a posted form.
const maxFormBytes = 16 << 10

// loginSubmit checks the form's CSRF token, then the name and password
// through the TAXII server (same accounts, same throttle), and on success
// sets the session cookie and goes where the visitor was heading.
func (p *Pages) loginSubmit(r *request) error {
	req := r.c.Request()
	req.Body = http.MaxBytesReader(r.c.Response(), req.Body, maxFormBytes)
	if err := req.ParseForm(); err != nil {
		return badRequestErr("The form could not be read.")
	}
	key, err := p.signingKey(r)
	if err != nil {
		return err
	}
	ck, cerr := r.c.Cookie(loginCookie)
	if !sameOrigin(req) || cerr != nil ||
		!hmac.Equal([]byte(req.PostForm.Get("csrf")), []byte(p.mac(key, "sign-in", ck.Value))) {
		return p.showLogin(r, http.StatusForbidden, req.PostForm.Get("next"), "",
			"The form had expired or did not come from this page. Please sign in again.")
	}
	name, password := req.PostForm.Get("name"), req.PostForm.Get("password")
	next := req.PostForm.Get("next")
	v, err := p.gate.Login(r.c, name, password)
	var ae *taxii.AuthError
	if errors.As(err, &ae) {
		if ae.Status == http.StatusTooManyRequests {
			r.c.Response().Header().Set("Retry-After", fmt.Sprint(int(ae.RetryAfter.Seconds()+0.999)))
			return p.showLogin(r, ae.Status, next, name, "Too many failed sign-ins from your address. Wait a few minutes and try again.")
		}
		// Bearer: a challenge that browsers do not answer with a prompt.
		r.c.Response().Header().Set("WWW-Authenticate", `Bearer realm="herald"`)
		return p.showLogin(r, http.StatusUnauthorized, next, name, "The name or password is wrong.")
	}
	if err != nil {
		return err
	}
	_, stamp, err := p.gate.AccountVisitor(r.ctx, v.Name())
	if err != nil {
		return fmt.Errorf("web: sign in %q: %w", v.Name(), err)
	}
	s := session{Name: v.Name(), Expires: p.opt.Now().Add(p.opt.SessionTTL).Unix(), Stamp: stamp, Nonce: randomToken()}
	p.setCookie(r, sessionCookie, p.sealSession(key, s), p.opt.SessionTTL)
	p.clearCookie(r, loginCookie)
	return r.c.Redirect(http.StatusSeeOther, safeNext(next))
}

// logout ends the session: its cookie is dropped. The form's CSRF token is
// bound to the session's nonce.
func (p *Pages) logout(r *request) error {
	req := r.c.Request()
	req.Body = http.MaxBytesReader(r.c.Response(), req.Body, maxFormBytes)
	if err := req.ParseForm(); err != nil {
		return badRequestErr("The form could not be read.")
	}
	if r.session == nil {
		return r.c.Redirect(http.StatusSeeOther, Prefix+"/")
	}
	if !sameOrigin(req) || !hmac.Equal([]byte(req.PostForm.Get("csrf")), []byte(r.csrf)) {
		return &pageError{Status: http.StatusForbidden, Message: "The sign-out form had expired or did not come from this site."}
	}
	p.clearCookie(r, sessionCookie)
	return r.c.Redirect(http.StatusSeeOther, Prefix+"/")
}
