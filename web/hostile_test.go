package web_test

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestHostileContent: objects whose names, descriptions, labels and
// references carry markup, script and javascript: URLs are shown as text
// on every page; nothing they hold becomes markup or a live link.
func TestHostileContent(t *testing.T) {
	e := newEnv(t)
	const (
		actor  = "threat-actor--6a1d1c0e-2c5b-4e9a-9f0a-1b2c3d4e5f60"
		victim = "identity--7b2e2d1f-3d6c-4fab-8a1b-2c3d4e5f6071"
		inc    = "incident--8c3f3e20-4e7d-4abc-9b2c-3d4e5f607182"
		rep    = "report--9d404f31-5f8e-4bcd-8c3d-4e5f60718293"
	)
	script := `<script>alert(1)</script>`
	img := `<img src=x onerror=alert(2)>`
	svg := `</text></a><foreignObject><script>alert(3)</script></foreignObject><text>`
	quote := `" onmouseover="alert(4)`
	js := `javascript:alert(5)`
	e.putJSON(e.pub.ID,
		`{"type":"threat-actor","spec_version":"2.1","id":"`+actor+`","created":"2026-02-01T00:00:00.000Z","modified":"2026-02-01T00:00:00.000Z","name":"Evil `+jsonEsc(script)+`","description":"`+jsonEsc(img)+`","aliases":["`+jsonEsc(quote)+`"],"labels":["`+jsonEsc(script)+`"],"external_references":[{"source_name":"`+jsonEsc(img)+`","url":"`+js+`","description":"click me"},{"source_name":"data","url":"data:text/html,<script>alert(6)</script>"},{"source_name":"vb","url":" JaVaScRiPt:alert(7)"}]}`,
		`{"type":"identity","spec_version":"2.1","id":"`+victim+`","created":"2026-02-01T00:00:00.000Z","modified":"2026-02-01T00:00:00.000Z","name":"`+jsonEsc(svg)+`","identity_class":"organization","description":"`+jsonEsc(quote)+`"}`,
		`{"type":"incident","spec_version":"2.1","id":"`+inc+`","created":"2026-02-01T00:00:00.000Z","modified":"2026-02-01T00:00:00.000Z","name":"`+jsonEsc(img)+`","description":"`+jsonEsc(script)+`"}`,
		`{"type":"relationship","spec_version":"2.1","id":"relationship--ae515042-6a9f-4cde-9d4e-5f6071829304","created":"2026-02-01T00:00:00.000Z","modified":"2026-02-01T00:00:00.000Z","relationship_type":"attributed-to","source_ref":"`+inc+`","target_ref":"`+actor+`","description":"`+jsonEsc(svg)+`"}`,
		`{"type":"relationship","spec_version":"2.1","id":"relationship--bf626153-7b0a-4def-8e5f-607182930415","created":"2026-02-01T00:00:00.000Z","modified":"2026-02-01T00:00:00.000Z","relationship_type":"targets","source_ref":"`+inc+`","target_ref":"`+victim+`"}`,
		`{"type":"report","spec_version":"2.1","id":"`+rep+`","created":"2026-02-01T00:00:00.000Z","modified":"2026-02-01T00:00:00.000Z","published":"2026-02-01T00:00:00Z","name":"`+jsonEsc(script)+` report","description":"`+jsonEsc(img+svg)+`","object_refs":["`+actor+`","`+victim+`","`+inc+`","relationship--ae515042-6a9f-4cde-9d4e-5f6071829304","relationship--bf626153-7b0a-4def-8e5f-607182930415"],"external_references":[{"source_name":"x","url":"`+js+`"}]}`,
	)
	col := colPath(e.pub)
	pages := []string{"/web/", col, col + "?q=evil", col + "?q=" + "%3Cscript%3E", col + "/o/" + actor, col + "/o/" + victim,
		col + "/o/" + inc, col + "/o/" + rep, col + "/advisory/" + rep}
	for _, path := range pages {
		p := e.get(anon, path)
		if p.status != http.StatusOK {
			t.Errorf("%s: %d", path, p.status)
			continue
		}
		for _, problem := range liveMarkup(p.body) {
			t.Errorf("%s: %s", path, problem)
		}
	}
	// The hostile text is there, as text.
	adv := e.get(anon, col+"/advisory/"+rep).body
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;", "&lt;/text&gt;&lt;/a&gt;&lt;foreignObject&gt;"} {
		if !strings.Contains(adv, want) {
			t.Errorf("advisory lacks the escaped text %q", want)
		}
	}
	obj := e.get(anon, col+"/o/"+actor).body
	if !strings.Contains(obj, "javascript:alert(5)") || strings.Contains(obj, `href="javascript`) {
		t.Error("the javascript: reference is not shown as inert text")
	}
}

// liveMarkup parses a page as a browser would and reports anything that
// could run or load: script-like elements, event handler attributes, and
// links or sources with a scheme other than http(s) (the favicon's empty
// "data:," aside).
func liveMarkup(page string) []string {
	var out []string
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch strings.ToLower(tok.Data) {
		case "script", "img", "iframe", "object", "embed", "foreignobject", "base", "meta":
			if tok.Data == "meta" && !hasAttr(tok, "http-equiv") {
				continue
			}
			out = append(out, "element <"+tok.Data+">")
		}
		for _, a := range tok.Attr {
			key := strings.ToLower(a.Key)
			if strings.HasPrefix(key, "on") {
				out = append(out, "attribute "+a.Key+" on <"+tok.Data+">")
			}
			if key == "href" || key == "src" || key == "action" || key == "xlink:href" || key == "formaction" {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if v == "data:," && tok.Data == "link" {
					continue
				}
				if i := strings.Index(v, ":"); i >= 0 && !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") &&
					!strings.ContainsAny(v[:i], "/?#") {
					out = append(out, "link "+a.Val+" on <"+tok.Data+">")
				}
			}
		}
	}
}

func hasAttr(tok html.Token, key string) bool {
	for _, a := range tok.Attr {
		if strings.EqualFold(a.Key, key) {
			return true
		}
	}
	return false
}

// jsonEsc escapes s for a JSON string literal (quotes and backslashes).
func jsonEsc(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// TestLiveMarkupDetects checks the checker: each of these must be caught.
func TestLiveMarkupDetects(t *testing.T) {
	for _, bad := range []string{
		`<p><script>alert(1)</script></p>`,
		`<img src=x onerror=alert(2)>`,
		`<a href="javascript:alert(3)">x</a>`,
		`<a href=" JaVaScRiPt:alert(4)">x</a>`,
		`<svg><a xlink:href="data:text/html,x"><text>t</text></a></svg>`,
		`<div onmouseover="alert(5)">x</div>`,
		`<svg><foreignObject></foreignObject></svg>`,
	} {
		if len(liveMarkup(bad)) == 0 {
			t.Errorf("not caught: %s", bad)
		}
	}
	for _, ok := range []string{`<p>&lt;script&gt;</p>`, `<a href="/web/c/x">x</a>`, `<a href="https://example.org/a:b">x</a>`, `<link rel="icon" href="data:,">`} {
		if p := liveMarkup(ok); len(p) != 0 {
			t.Errorf("%s: false alarm %v", ok, p)
		}
	}
}
