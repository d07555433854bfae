package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/taxii"
	"github.com/heraldcti/herald/web"
)

// seedFacts are what the built-in advisory says: every victim, amount and
// name must be readable on its advisory page.
var seedFacts = []string{
	// victims and losses
	"WazirX", "India's largest Bitcoin exchange", "US$235,000,000", "July 2024",
	"DMM Bitcoin", "US$308,000,000",
	"Upbit", "US$50,000,000",
	"Rain Management", "US$16,130,000",
	"Radiant Capital",
	// the statement
	"United States", "Japan", "Republic of Korea", "more than US$659,000,000", "US$659 million",
	"September 2024", "social engineering", "Lazarus Group", "North Korean state-backed hackers",
	// other figures
	"Chainalysis", "US$1.34 billion", "47 attacks", "US$1.1 billion", "2022",
	// IT workers
	"laptop farms", "Yanbian Silverstar", "Volasys Silverstar", "US$5 million", "US$88 million", "six years",
	// sources
	"North Korea's $659M Crypto Heist: Global Financial Threat Escalates", "Tylt Editorial Team",
	"North Korea stole $659M in crypto last year: US government", "NewsBytes",
	"TLP:CLEAR",
}

func advisoryPath(e *env) string { return colPath(e.pub) + "/advisory/" + e.report }

func TestRootRedirectsAndTAXIIUntouched(t *testing.T) {
	e := newEnv(t)
	p := e.get(anon, "/")
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/web/" {
		t.Fatalf("/: %d %q", p.status, p.header.Get("Location"))
	}
	d := e.get(anon, "/taxii2/")
	if d.status != http.StatusOK || !strings.HasPrefix(d.header.Get("Content-Type"), "application/taxii+json") {
		t.Fatalf("discovery: %d %s", d.status, d.header.Get("Content-Type"))
	}
	var disc map[string]any
	if err := json.Unmarshal([]byte(d.body), &disc); err != nil || disc["title"] == nil {
		t.Fatalf("discovery body: %v %s", err, d.body)
	}
}

func TestEveryPageSendsSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/web/", colPath(e.pub), advisoryPath(e), colPath(e.pub) + "/o/" + e.report,
		"/web/login", "/web/nowhere", colPath(e.priv), advisoryPath(e) + "/bundle"} {
		p := e.get(anon, path)
		csp := p.header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "style-src 'self'", "img-src 'self' data:", "form-action 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if p.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", path)
		}
		if strings.Contains(p.body, "<script") || regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).MatchString(p.body) {
			t.Errorf("%s: the page loads a script or something from another host", path)
		}
	}
}

// TestPermissions: a visitor sees exactly what the same account reads over
// TAXII: the private collection is invisible (404, not listed) to
// anonymous visitors and accounts without a read grant.
func TestPermissions(t *testing.T) {
	e := newEnv(t)
	privPages := []string{
		colPath(e.priv),
		colPath(e.priv) + "?q=beacon",
		colPath(e.priv) + "/bundle",
		colPath(e.priv) + "/o/indicator--1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
		colPath(e.priv) + "/o/indicator--1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d/bundle",
		colPath(e.priv) + "/advisory/" + e.privRep,
		colPath(e.priv) + "/advisory/" + e.privRep + "/bundle",
		"/web/c/partners", // by alias
	}
	for _, tc := range []struct {
		who      who
		seesPriv bool
	}{{anon, false}, {nobody, false}, {reader, true}, {bearer, true}, {admin, true}} {
		t.Run(tc.who.String(), func(t *testing.T) {
			home := e.get(tc.who, "/web/")
			if home.status != http.StatusOK {
				t.Fatalf("home: %d", home.status)
			}
			mustContain(t, home.body, "Herald advisories", "North Korean (DPRK) cryptocurrency theft in 2024")
			if got := strings.Contains(home.body, "Partner intelligence"); got != tc.seesPriv {
				t.Errorf("home lists the private collection: %v, want %v", got, tc.seesPriv)
			}
			if got := strings.Contains(home.body, "Private operation Nightjar"); got != tc.seesPriv {
				t.Errorf("home lists the private report: %v, want %v", got, tc.seesPriv)
			}
			if tc.who.name != "" {
				mustContain(t, home.body, "Signed in as <strong>"+tc.who.name)
			}
			for _, path := range privPages {
				p := e.get(tc.who, path)
				want := http.StatusNotFound
				if tc.seesPriv {
					want = http.StatusOK
				}
				if p.status != want {
					t.Errorf("%s: %d, want %d", path, p.status, want)
				}
				if !tc.seesPriv && (strings.Contains(p.body, "Nightjar") || strings.Contains(p.body, "beacon.example.net") || strings.Contains(p.body, "Secret beacon")) {
					t.Errorf("%s: private content leaked", path)
				}
			}
			for _, path := range []string{colPath(e.pub), advisoryPath(e), advisoryPath(e) + "/bundle", colPath(e.pub) + "/bundle"} {
				if p := e.get(tc.who, path); p.status != http.StatusOK {
					t.Errorf("%s: %d", path, p.status)
				}
			}
		})
	}
	// Wrong credentials are refused as over TAXII, never treated as anonymous.
	for _, h := range []string{"Basic " + "cmVhZGVyOndyb25n", "Bearer not-a-token", "Digest x"} {
		req, _ := http.NewRequest(http.MethodGet, e.base+"/web/", nil)
		req.Header.Set("Authorization", h)
		p := e.do(http.DefaultClient, req)
		if p.status != http.StatusUnauthorized || !strings.Contains(p.header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %s", h, p.status, p.header.Get("Content-Type"))
		}
	}
}

func TestHomePage(t *testing.T) {
	e := newEnv(t)
	p := e.get(anon, "/web/")
	body := html.UnescapeString(p.body)
	mustContain(t, body, "Public advisories.", fmt.Sprintf("%d objects", e.builtin), "public", `href="`+advisoryPath(e)+`"`, `href="/web/login?next=%2fweb"`)
	if !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") {
		t.Errorf("content type %q", p.header.Get("Content-Type"))
	}
}

func TestAdvisoryPageShowsEveryFact(t *testing.T) {
	e := newEnv(t)
	p := e.get(anon, advisoryPath(e))
	if p.status != http.StatusOK {
		t.Fatalf("status %d", p.status)
	}
	body := html.UnescapeString(p.body)
	mustContain(t, body, seedFacts...)
	// The picture: an inline SVG with a box for each actor, incident and
	// victim, and arrows.
	i, j := strings.Index(body, "<svg"), strings.Index(body, "</svg>")
	if i < 0 || j < i {
		t.Fatal("no inline SVG")
	}
	svg := body[i:j]
	for _, name := range []string{"Lazarus Group", "WazirX breach", "DMM Bitcoin", "Upbit", "Rain Management", "Radiant Capital", "India"} {
		if !strings.Contains(svg, ">"+name) {
			t.Errorf("the picture lacks %q", name)
		}
	}
	if n := strings.Count(svg, "<path d=\"M"); n < 10 {
		t.Errorf("the picture has %d edges", n)
	}
	// Incidents: the date is as precise as known; the others say so.
	mustContain(t, body, "not given", "2024")
}

func TestCollectionPage(t *testing.T) {
	e := newEnv(t)
	p := e.get(anon, colPath(e.pub))
	body := html.UnescapeString(p.body)
	mustContain(t, body, "incident (6)", fmt.Sprintf("identity (%d)", e.idents), "relationship (25)", "report (1)", "WazirX breach", "Older »")
	// Newest first: the report was stored last.
	if strings.Index(body, "North Korean (DPRK) cryptocurrency theft") > strings.Index(body, "WazirX breach") {
		t.Error("not newest first")
	}
	f := e.get(anon, colPath(e.pub)+"?type=incident")
	fb := html.UnescapeString(f.body)
	mustContain(t, fb, "WazirX breach", "Radiant Capital heist", `<option value="incident" selected>`)
	mustNotContain(t, fb, "Lazarus Group</a>", "Older »")
	none := e.get(anon, colPath(e.pub)+"?type=malware")
	mustContain(t, none.body, `<option value="malware" selected>malware</option>`, "No objects match.")
	s := e.get(anon, colPath(e.pub)+"?q=laptop+FARMS")
	sb := html.UnescapeString(s.body)
	mustContain(t, sb, "North Korean remote IT worker schemes", fmt.Sprintf("Searched the %d newest objects", e.builtin))
	mustNotContain(t, sb, "WazirX breach</a>")
	for _, bad := range []string{"?before=abc", "?before=-4", "?q=" + strings.Repeat("x", 300), "?type=a,b"} {
		if p := e.get(anon, colPath(e.pub)+bad); p.status != http.StatusBadRequest {
			t.Errorf("%s: %d", bad, p.status)
		}
	}
	if p := e.get(anon, "/web/c/no-such-collection"); p.status != http.StatusNotFound {
		t.Errorf("unknown collection: %d", p.status)
	}
}

// TestNewestFirstPaging walks a collection larger than a page through the
// "Older" links and checks every object appears once, newest first, with
// and without a type filter; then a search bounded to a small window walks
// on with "Search older objects" to an old match.
func TestNewestFirstPaging(t *testing.T) {
	e := newEnv(t, envOpt{web: func(o *web.Options) { o.PageSize = 7; o.SearchWindow = 600 }})
	var raws []string
	for i := range 1300 {
		typ, extra := "identity", `,"identity_class":"organization"`
		if i%3 == 0 {
			typ, extra = "attack-pattern", ""
		}
		desc := "filler"
		if i == 5 {
			desc = "the needle is here"
		}
		raws = append(raws, `{"type":"`+typ+`","spec_version":"2.1","id":"`+typ+`--00000000-0000-4000-8000-`+leftPad(i)+`","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"Object `+leftPad(i)+`","description":"`+desc+`"`+extra+`}`)
	}
	col, err := e.db.CreateCollection(context.Background(), store.Collection{Title: "Big", PublicRead: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(raws); i += 100 { // several transactions: date_added spread over time
		e.putJSON(col.ID, raws[i:i+100]...)
	}
	link := regexp.MustCompile(`href="([^"]+)" rel="next"`)
	name := regexp.MustCompile(`>Object (\d{12})</a>`)
	walk := func(path string) []string {
		var names []string
		for pages := 0; path != ""; pages++ {
			if pages > 400 {
				t.Fatal("too many pages")
			}
			p := e.get(anon, path)
			if p.status != http.StatusOK {
				t.Fatalf("%s: %d", path, p.status)
			}
			for _, m := range name.FindAllStringSubmatch(p.body, -1) {
				names = append(names, m[1])
			}
			path = ""
			if m := link.FindStringSubmatch(p.body); m != nil {
				path = html.UnescapeString(m[1])
			}
		}
		return names
	}
	all := walk(colPath(col))
	if len(all) != 1300 {
		t.Fatalf("walked %d objects, want 1300", len(all))
	}
	for i, n := range all {
		if want := leftPad(1299 - i); n != want {
			t.Fatalf("position %d: object %s, want %s", i, n, want)
		}
	}
	aps := walk(colPath(col) + "?type=attack-pattern")
	if len(aps) != 434 || aps[0] != leftPad(1299) || aps[433] != leftPad(0) {
		t.Fatalf("attack patterns: %d, first %v", len(aps), aps[:min(3, len(aps))])
	}

	further := regexp.MustCompile(`href="([^"]+)">Search older objects`)
	path := colPath(col) + "?q=NEEDLE"
	found := false
	for steps := 0; path != "" && !found; steps++ {
		if steps > 10 {
			t.Fatal("search never reached the old object")
		}
		p := e.get(anon, path)
		if strings.Contains(p.body, ">Object "+leftPad(5)+"</a>") {
			found = true
			break
		}
		m := further.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no match and no way to search further:\n%s", p.body)
		}
		// At most the window (600) plus one chunk (500) examined per request.
		searched := regexp.MustCompile(`Searched the (\d+) newest`).FindStringSubmatch(p.body)
		if searched == nil {
			t.Fatal("the page does not say how far it searched")
		}
		if n, _ := strconv.Atoi(searched[1]); n < 600 || n > 1100 {
			t.Errorf("examined %d objects in one request, want 600 to 1100", n)
		}
		path = html.UnescapeString(m[1])
	}
	if !found {
		t.Fatal("the old match was not found")
	}
}

func leftPad(i int) string {
	s := "000000000000" + itoa(i)
	return s[len(s)-12:]
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func TestObjectPage(t *testing.T) {
	e := newEnv(t)
	wazirx := "identity--937c6904-81f4-5dd4-a40d-6a94a8a6f2eb"
	p := e.get(anon, colPath(e.pub)+"/o/"+wazirx)
	if p.status != http.StatusOK {
		t.Fatalf("%d", p.status)
	}
	body := html.UnescapeString(p.body)
	mustContain(t, body, "WazirX", "India's largest Bitcoin exchange", "TLP:CLEAR", `class="marking tlp-clear"`,
		"WazirX breach", "targets", "located-at", "India", // both directions, with names
		`datetime="2026-11-21T00:00:00.000Z"`, "21 Nov 2026", // readable time, exact on hover
		`"identity_class": "organization"`, // raw JSON
		"financial-services", "Versions")
	// A second version shows in the list and can be opened.
	v2 := strings.Replace(`{"type":"identity","spec_version":"2.1","id":"`+wazirx+`","created":"2026-11-21T00:00:00.000Z","modified":"2026-11-22T00:00:00.000Z","name":"WazirX (renamed)","identity_class":"organization"}`, "\n", "", -1)
	e.putJSON(e.pub.ID, v2)
	p = e.get(anon, colPath(e.pub)+"/o/"+wazirx)
	mustContain(t, p.body, "WazirX (renamed)")
	if !regexp.MustCompile(`(?i)\?version=2026-11-21T00%3a00%3a00.000Z`).MatchString(p.body) {
		t.Error("no link to the first version")
	}
	old := e.get(anon, colPath(e.pub)+"/o/"+wazirx+"?version="+url.QueryEscape("2026-11-21T00:00:00.000Z"))
	mustContain(t, html.UnescapeString(old.body), "India's largest Bitcoin exchange")
	if p := e.get(anon, colPath(e.pub)+"/o/"+wazirx+"?version=1999-01-01T00:00:00Z"); p.status != http.StatusNotFound {
		t.Errorf("unknown version: %d", p.status)
	}
	for _, bad := range []string{"nothing", "identity--00000000-0000-4000-8000-000000000000", "%00--x"} {
		if p := e.get(anon, colPath(e.pub)+"/o/"+bad); p.status != http.StatusNotFound {
			t.Errorf("%s: %d", bad, p.status)
		}
	}
	// A relationship is named by what it joins.
	rel := e.get(anon, colPath(e.pub)+"/o/relationship--94886dbf-479d-5f99-b8dc-0ae62d228186")
	mustContain(t, rel.body, "<h1>WazirX breach targets WazirX (renamed)</h1>")
	// A report's object page links to its advisory page; other objects
	// have no advisory page.
	mustContain(t, e.get(anon, colPath(e.pub)+"/o/"+e.report).body, "Read as an advisory")
	if p := e.get(anon, colPath(e.pub)+"/advisory/"+wazirx); p.status != http.StatusNotFound {
		t.Errorf("advisory of an identity: %d", p.status)
	}
}

// TestDownloads: bundles are attachments that decode and validate.
func TestDownloads(t *testing.T) {
	e := newEnv(t)
	check := func(path, wantName string) []stix.Object {
		t.Helper()
		p := e.get(anon, path)
		if p.status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, p.status, p.body)
		}
		cd := p.header.Get("Content-Disposition")
		if !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, wantName) {
			t.Errorf("%s: Content-Disposition %q, want a file named like %q", path, cd, wantName)
		}
		if !strings.HasPrefix(p.header.Get("Content-Type"), "application/stix+json") {
			t.Errorf("%s: Content-Type %q", path, p.header.Get("Content-Type"))
		}
		var b struct {
			Type, ID string
			Objects  []json.RawMessage
		}
		if err := json.Unmarshal([]byte(p.body), &b); err != nil || b.Type != "bundle" || !strings.HasPrefix(b.ID, "bundle--") {
			t.Fatalf("%s: not a bundle: %v", path, err)
		}
		objs, err := stix.Decode([]byte(p.body), stix.DecodeOptions{})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, o := range objs {
			if err := stix.Validate(o); err != nil {
				t.Errorf("%s: %s: %v", path, o.ID, err)
			}
		}
		return objs
	}
	adv := check(advisoryPath(e)+"/bundle", "advisory-north-korean-dprk-cryptocurrency-theft")
	// Every object of the built-in advisory is the report or reachable from it.
	if len(adv) != e.builtin {
		t.Errorf("advisory bundle has %d objects, want the report and all %d it references", len(adv), e.builtin-1)
	}
	types := map[string]int{}
	for _, o := range adv {
		types[o.Type]++
	}
	for _, typ := range []string{"marking-definition", "extension-definition", "identity", "impact", "relationship", "location"} {
		if types[typ] == 0 {
			t.Errorf("advisory bundle lacks %s objects", typ)
		}
	}
	// The stored bytes, unchanged.
	stored, err := e.db.Objects(context.Background(), e.pub.ID, store.Query{IDs: []string{e.report}})
	if err != nil || len(stored.Records) != 1 {
		t.Fatal(err)
	}
	for _, o := range adv {
		if o.ID == e.report && !bytes.Equal(o.JSON, stored.Records[0].JSON) {
			t.Error("the report's bytes differ from the stored ones")
		}
	}
	inc := check(colPath(e.pub)+"/bundle?type=incident", "collection-herald-advisories-incident")
	if len(inc) != 6 {
		t.Errorf("incident download: %d objects", len(inc))
	}
	srch := check(colPath(e.pub)+"/bundle?q=silverstar", "collection-herald-advisories-silverstar")
	if len(srch) < 3 {
		t.Errorf("search download: %d objects", len(srch))
	}
	all := check(colPath(e.pub)+"/bundle", "collection-herald-advisories.json")
	if len(all) != e.builtin {
		t.Errorf("collection download: %d objects", len(all))
	}
	one := check(colPath(e.pub)+"/o/incident--8a251d36-c76b-5c1a-98e8-ee153ef731dd/bundle", "incident-wazirx-breach.json")
	rels := 0
	for _, o := range one {
		if o.Type == "relationship" {
			rels++
		}
	}
	if rels != 3 { // attributed to two actors, targets WazirX
		t.Errorf("object download: %d relationships, want 3", rels)
	}
}

// TestSignInFlow: the form, its CSRF token, the session cookie, sign-out.
func TestSignInFlow(t *testing.T) {
	e := newEnv(t)
	c := e.browser()
	form := e.browserGet(c, "/web/login?next=/web/c/partners")
	csrf := hiddenValue(t, form.body, "csrf")
	// A form without the token, or with another one, is refused.
	for _, bad := range []string{"", "forged", csrf + "x"} {
		if p := e.post(c, "/web/login", url.Values{"csrf": {bad}, "name": {"reader"}, "password": {password}}); p.status != http.StatusForbidden {
			t.Errorf("csrf %q: %d", bad, p.status)
		}
	}
	// A post from another site is refused even with a valid token.
	req, _ := http.NewRequest(http.MethodPost, e.base+"/web/login", strings.NewReader(url.Values{"csrf": {csrf}, "name": {"reader"}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if p := e.do(c, req); p.status != http.StatusForbidden {
		t.Errorf("cross-site post: %d", p.status)
	}
	// The token without its cookie (another browser) is refused too.
	if p := e.post(e.browser(), "/web/login", url.Values{"csrf": {csrf}, "name": {"reader"}, "password": {password}}); p.status != http.StatusForbidden {
		t.Errorf("token without its cookie: %d", p.status)
	}
	bad := e.post(c, "/web/login", url.Values{"csrf": {csrf}, "name": {"reader"}, "password": {"wrong"}})
	if bad.status != http.StatusUnauthorized || !strings.Contains(bad.body, "name or password is wrong") {
		t.Fatalf("wrong password: %d", bad.status)
	}
	form = e.browserGet(c, "/web/login")
	ok := e.post(c, "/web/login", url.Values{"csrf": {hiddenValue(t, form.body, "csrf")}, "name": {"reader"}, "password": {password}, "next": {"/web/c/partners"}})
	if ok.status != http.StatusSeeOther || ok.header.Get("Location") != "/web/c/partners" {
		// (The form carried next from the address it was opened with.)
		t.Fatalf("sign in: %d %q", ok.status, ok.header.Get("Location"))
	}
	var sess *http.Cookie
	for _, ck := range (&http.Response{Header: ok.header}).Cookies() {
		if ck.Name == "herald_session" {
			sess = ck
		}
	}
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || sess.MaxAge <= 0 || sess.Path != "/web" || sess.Secure {
		t.Fatalf("session cookie: %+v", sess)
	}
	home := e.browserGet(c, "/web/")
	mustContain(t, home.body, "Partner intelligence", "Signed in as <strong>reader</strong>", `action="/web/logout"`)
	if p := e.browserGet(c, "/web/c/partners"); p.status != http.StatusOK {
		t.Errorf("private collection in session: %d", p.status)
	}
	// A tampered cookie is anonymous.
	tampered := e.browser()
	u, _ := url.Parse(e.base + "/web/")
	tampered.Jar.SetCookies(u, []*http.Cookie{{Name: "herald_session", Value: strings.Replace(sess.Value, ".", "x.", 1), Path: "/web"}})
	if p := e.browserGet(tampered, "/web/c/partners"); p.status != http.StatusNotFound {
		t.Errorf("tampered session: %d", p.status)
	}
	// Sign-out needs the session's token.
	if p := e.post(c, "/web/logout", url.Values{"csrf": {"forged"}}); p.status != http.StatusForbidden {
		t.Errorf("sign-out with a forged token: %d", p.status)
	}
	out := e.post(c, "/web/logout", url.Values{"csrf": {hiddenValue(t, home.body, "csrf")}})
	if out.status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", out.status)
	}
	if p := e.browserGet(c, "/web/c/partners"); p.status != http.StatusNotFound {
		t.Errorf("after sign-out: %d", p.status)
	}
	// An open redirect is not possible.
	c2 := e.browser()
	f2 := e.browserGet(c2, "/web/login")
	p := e.post(c2, "/web/login", url.Values{"csrf": {hiddenValue(t, f2.body, "csrf")}, "name": {"reader"}, "password": {password}, "next": {"//evil.example/"}})
	if p.header.Get("Location") != "/web/" {
		t.Errorf("next=//evil.example: Location %q", p.header.Get("Location"))
	}
	// Changing the password ends the session.
	acct, err := e.db.Account(context.Background(), "reader")
	if err != nil {
		t.Fatal(err)
	}
	acct.PasswordHash, _ = store.HashPassword("another password entirely")
	if err := e.db.PutAccount(context.Background(), acct); err != nil {
		t.Fatal(err)
	}
	if p := e.browserGet(c2, "/web/c/partners"); p.status != http.StatusNotFound {
		t.Errorf("session after a password change: %d", p.status)
	}
}

// TestSecureCookiesBehindTLS: with an https public URL (a TLS proxy in
// front), the cookies are Secure.
func TestSecureCookiesBehindTLS(t *testing.T) {
	e := newEnv(t, envOpt{taxii: func(c *taxii.Config) { c.PublicBaseURL = "https://cti.example.org" }})
	c := e.browser()
	form := e.browserGet(c, "/web/login")
	for _, ck := range (&http.Response{Header: form.header}).Cookies() {
		if !ck.Secure {
			t.Errorf("cookie %s is not Secure", ck.Name)
		}
	}
	// The cookie jar will not send a Secure cookie over http: post the
	// token with the cookie by hand.
	var nonce string
	for _, ck := range (&http.Response{Header: form.header}).Cookies() {
		if ck.Name == "herald_login" {
			nonce = ck.Value
		}
	}
	req, _ := http.NewRequest(http.MethodPost, e.base+"/web/login", strings.NewReader(url.Values{"csrf": {hiddenValue(t, form.body, "csrf")}, "name": {"reader"}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "herald_login", Value: nonce})
	p := e.do(&http.Client{CheckRedirect: noRedirect}, req)
	if p.status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", p.status)
	}
	found := false
	for _, ck := range (&http.Response{Header: p.header}).Cookies() {
		if ck.Name == "herald_session" {
			found = true
			if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
				t.Errorf("session cookie %+v", ck)
			}
		}
	}
	if !found {
		t.Error("no session cookie")
	}
}

func TestSessionExpires(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	e := newEnv(t, envOpt{web: func(o *web.Options) { o.Now = clock; o.SessionTTL = time.Hour }})
	c := e.signIn("reader")
	if p := e.browserGet(c, "/web/c/partners"); p.status != http.StatusOK {
		t.Fatalf("in session: %d", p.status)
	}
	now = now.Add(time.Hour + time.Second)
	if p := e.browserGet(c, "/web/c/partners"); p.status != http.StatusNotFound {
		t.Errorf("expired session: %d", p.status)
	}
}

// TestSignInThrottle: form failures count against TAXII's per-address
// throttle, and TAXII failures against the form.
func TestSignInThrottle(t *testing.T) {
	e := newEnv(t, envOpt{taxii: func(c *taxii.Config) { c.MaxAuthFailures = 3; c.AuthFailureWindow = time.Hour }})
	c := e.browser()
	for i := range 2 {
		f := e.browserGet(c, "/web/login")
		if p := e.post(c, "/web/login", url.Values{"csrf": {hiddenValue(t, f.body, "csrf")}, "name": {"reader"}, "password": {"guess"}}); p.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, p.status)
		}
	}
	// The third failure, over TAXII.
	req, _ := http.NewRequest(http.MethodGet, e.base+"/taxii2/", nil)
	req.SetBasicAuth("reader", "guess")
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	if p := e.do(http.DefaultClient, req); p.status != http.StatusUnauthorized {
		t.Fatalf("TAXII failure: %d", p.status)
	}
	// Now even the right password is refused, through the form and TAXII.
	f := e.browserGet(c, "/web/login")
	p := e.post(c, "/web/login", url.Values{"csrf": {hiddenValue(t, f.body, "csrf")}, "name": {"reader"}, "password": {password}})
	if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" || !strings.Contains(p.body, "Too many failed sign-ins") {
		t.Fatalf("throttled form: %d %q", p.status, p.header.Get("Retry-After"))
	}
	req.SetBasicAuth("reader", password)
	if p := e.do(http.DefaultClient, req); p.status != http.StatusTooManyRequests {
		t.Fatalf("throttled TAXII: %d", p.status)
	}
	if p := e.get(reader, "/web/"); p.status != http.StatusTooManyRequests {
		t.Fatalf("throttled Basic on a page: %d", p.status)
	}
}

func TestMethodsAndUnknownPaths(t *testing.T) {
	e := newEnv(t)
	if p := e.get(anon, "/web/c/"+e.pub.ID+"/nothing/here"); p.status != http.StatusNotFound || !strings.Contains(p.header.Get("Content-Type"), "text/html") {
		t.Errorf("unknown page: %d %s", p.status, p.header.Get("Content-Type"))
	}
	req, _ := http.NewRequest(http.MethodDelete, e.base+"/web/login", nil)
	if p := e.do(http.DefaultClient, req); p.status != http.StatusMethodNotAllowed && p.status != http.StatusNotFound {
		t.Errorf("DELETE /web/login: %d", p.status)
	}
	// An oversized form is a client error, not a 500.
	c := e.browser()
	f := e.browserGet(c, "/web/login")
	big := url.Values{"csrf": {hiddenValue(t, f.body, "csrf")}, "name": {strings.Repeat("n", 40000)}, "password": {"x"}}
	if p := e.post(c, "/web/login", big); p.status >= 500 {
		t.Errorf("oversized form: %d", p.status)
	}
	css := e.get(anon, "/web/style.css")
	if css.status != http.StatusOK || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") || !strings.Contains(css.body, "prefers-color-scheme") {
		t.Errorf("stylesheet: %d %s", css.status, css.header.Get("Content-Type"))
	}
}
