package web_test

import (
	"context"
	"errors"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/heraldcti/herald/stix"
)

// The browser test drives a real headless Chromium against a real server.
// It needs Debian's chromium package (apt-get install chromium); without it
// the test is skipped, unless HERALD_REQUIRE_CHROMIUM=1 (CI), which makes
// a missing browser a failure. HERALD_CHROMIUM names another binary.
// Screenshots go to HERALD_ARTIFACTS, default web/testdata/artifacts (not
// committed).

func chromiumPath(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("HERALD_CHROMIUM"), "chromium", "chromium-browser", "/usr/bin/chromium"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	msg := "headless Chromium not found: install it (Debian: apt-get install chromium) or set HERALD_CHROMIUM to its path"
	if os.Getenv("HERALD_REQUIRE_CHROMIUM") == "1" {
		t.Fatal(msg + " (HERALD_REQUIRE_CHROMIUM=1)")
	}
	t.Skip(msg)
	return ""
}

func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("HERALD_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("testdata", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts dir: %v", err)
	}
	return dir
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	exe := chromiumPath(t)
	e := newEnv(t)
	art := artifactsDir(t)
	downloads := t.TempDir()

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	defer cancelT()

	// Every request the pages make, to check that none leaves the host.
	var mu sync.Mutex
	var requests []string
	done := make(chan string, 4) // finished downloads (GUIDs)
	if err := chromedp.Listen(ctx, func(ev any) {
		if r, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requests = append(requests, r.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	if err := chromedp.ListenBrowser(ctx, func(ev any) {
		if d, ok := ev.(*browser.EventDownloadProgress); ok && d.State == browser.DownloadProgressStateCompleted {
			select {
			case done <- d.GUID:
			default:
			}
		}
	}); err != nil {
		t.Fatalf("listen to the browser: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("enable network events: %v", err)
	}
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: new(true)}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			png, err := chromedp.FullScreenshot(100)(ctx, tg) // 100: PNG
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(art, name+".png"), png, 0o644)
		})
	}
	media := func(scheme string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
			return err
		})
	}

	// Home: the public collection and its advisory; the private one is
	// invisible.
	do("home", chromedp.Navigate(e.base+"/"), chromedp.WaitVisible(chromedp.CSS("ul.cards")), shot("home"))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if loc != e.base+"/web/" {
		t.Errorf("/ led to %s", loc)
	}
	if home := text("body"); !strings.Contains(home, "Herald advisories") || strings.Contains(home, "Partner intelligence") {
		t.Errorf("home page text:\n%s", home)
	}

	// The advisory, reached by its link: every seed fact, and the picture.
	do("advisory", chromedp.Click(chromedp.CSS(`a[href*="/advisory/"]`)), chromedp.WaitVisible(chromedp.CSS("svg.graph")), shot("advisory"))
	adv := text("main")
	for _, f := range seedFacts {
		if !strings.Contains(adv, html.UnescapeString(f)) {
			t.Errorf("the advisory page does not show %q", f)
		}
	}
	boxes, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("svg.graph a.g-node rect").length`))
	if err != nil {
		t.Fatal(err)
	}
	if boxes < 10 {
		t.Errorf("the picture has %d boxes", boxes)
	}
	// Measured in the browser, with its real font: every label line fits
	// inside its box, and no two boxes overlap.
	misfits, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
		const out = [];
		const nodes = [...document.querySelectorAll("svg.graph a.g-node")];
		const rects = nodes.map(n => n.querySelector("rect").getBBox());
		nodes.forEach((n, i) => {
			const r = rects[i];
			n.querySelectorAll("text").forEach(t => {
				const b = t.getBBox();
				if (b.x < r.x || b.x + b.width > r.x + r.width || b.y < r.y || b.y + b.height > r.y + r.height)
					out.push(t.textContent + " overflows its box");
			});
			rects.forEach((q, j) => {
				if (j > i && r.x < q.x + q.width && q.x < r.x + r.width && r.y < q.y + q.height && q.y < r.y + r.height)
					out.push("boxes " + i + " and " + j + " overlap");
			});
		});
		return out;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range misfits {
		t.Errorf("picture: %s", m)
	}

	// Phone width and dark mode, for the eye (screenshots).
	do("phone and dark",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)),
		shot("advisory-phone"),
		chromedp.EmulateViewport(1200, 900),
		media("dark"),
		shot("advisory-dark"),
		media("light"),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return err
		}),
		shot("advisory-print"),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
			return err
		}),
	)

	// The download link gives a bundle that passes validation.
	do("download", chromedp.Click(chromedp.CSS(`p.actions a[download]`)))
	var guid string
	select {
	case guid = <-done:
	case <-ctx.Done():
		t.Fatal("the download did not finish")
	}
	raw, err := os.ReadFile(filepath.Join(downloads, guid))
	if err != nil {
		t.Fatalf("downloaded file: %v", err)
	}
	objs, err := stix.Decode(raw, stix.DecodeOptions{})
	if err != nil {
		t.Fatalf("downloaded bundle: %v", err)
	}
	if len(objs) != e.builtin {
		t.Errorf("downloaded bundle has %d objects, want %d", len(objs), e.builtin)
	}
	for _, o := range objs {
		if err := stix.Validate(o); err != nil {
			t.Errorf("downloaded %s: %v", o.ID, err)
		}
	}

	// Signing in through the form shows the private collection.
	do("sign in",
		chromedp.Navigate(e.base+"/web/"),
		chromedp.Click(chromedp.CSS(`a[href^="/web/login"]`)),
		chromedp.WaitVisible(chromedp.ID("name")),
		shot("login"),
		chromedp.SendKeys(chromedp.ID("name"), "reader"),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS("form.inline")),
		shot("home-signed-in"),
	)
	if after := text("body"); !strings.Contains(after, "Partner intelligence") || !strings.Contains(after, "Signed in as reader") {
		t.Errorf("after signing in:\n%s", after)
	}
	do("private collection",
		chromedp.Click(chromedp.CSS(`a[href="/web/c/`+e.priv.ID+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("table.objects")),
		shot("private-collection"),
	)
	if coll := text("main"); !strings.Contains(coll, "Private operation Nightjar") {
		t.Errorf("private collection page:\n%s", coll)
	}
	do("other pages",
		chromedp.Navigate(e.base+colPath(e.pub)+"/o/identity--937c6904-81f4-5dd4-a40d-6a94a8a6f2eb"),
		chromedp.WaitVisible(chromedp.CSS("dl.props")),
		shot("object"),
		chromedp.Navigate(e.base+colPath(e.pub)),
		chromedp.WaitVisible(chromedp.CSS("table.objects")),
		shot("collection"),
		// Sign out.
		chromedp.Click(chromedp.CSS(`form.inline button`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/web/login"]`)),
	)

	// No request left the host.
	mu.Lock()
	defer mu.Unlock()
	if len(requests) < 8 {
		t.Errorf("only %d requests recorded: %v", len(requests), requests)
	}
	for _, u := range requests {
		if !strings.HasPrefix(u, e.base+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("a request left the server: %s", u)
		}
	}
	if err := chromedp.Cancel(ctx); err != nil && !errors.Is(err, context.Canceled) {
		t.Logf("closing Chromium: %v", err)
	}
}
