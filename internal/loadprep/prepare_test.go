package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/taxii"
)

// testConfig is a small load database: several full batches and a
// partial last one, so batching edges are exercised.
func testConfig(t *testing.T) config {
	t.Helper()
	return config{
		Path:           filepath.Join(t.TempDir(), "load.db"),
		Objects:        1250,
		Batch:          500,
		Seed:           1,
		Reader:         "reader",
		ReaderPassword: "reader-password-1",
	}
}

func mustPrepare(t *testing.T, cfg config) result {
	t.Helper()
	res, err := prepare(context.Background(), cfg)
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	return res
}

func openDB(t testing.TB, path string) store.Store {
	t.Helper()
	db, err := store.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db
}

func TestPrepareBuildsAPublicCollectionOfAllObjects(t *testing.T) {
	cfg := testConfig(t)
	res := mustPrepare(t, cfg)
	if !res.Built {
		t.Error("Built = false on a new file")
	}
	if res.Objects != cfg.Objects || res.Alias != "load-1250" || res.FirstPageObject != 625 {
		t.Errorf("result = %+v, want 1250 objects, alias load-1250, middle index 625", res)
	}
	if _, err := os.Stat(cfg.Path + ".partial"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s.partial left behind (stat err %v)", cfg.Path, err)
	}
	db := openDB(t, cfg.Path)
	ctx := context.Background()
	col, err := db.Collection(ctx, res.CollectionID)
	if err != nil {
		t.Fatal(err)
	}
	if !col.PublicRead {
		t.Error("collection is not public-read: the unauthenticated run would get 404")
	}
	if n, err := db.CountVersions(ctx, col.ID); err != nil || n != cfg.Objects {
		t.Errorf("CountVersions = %d, %v; want %d", n, err, cfg.Objects)
	}
	if probs, err := db.Check(ctx); err != nil || len(probs) > 0 {
		t.Errorf("Check = %v, %v; want a consistent file", probs, err)
	}
	// The stored objects are the generator's, in order.
	want := genObjects(t, cfg.Seed, cfg.Objects, cfg.Objects)
	page, err := db.Objects(ctx, col.ID, store.Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range page.Records {
		if r.ID != want[i].ID || !bytes.Equal(r.JSON, want[i].JSON) {
			t.Fatalf("stored #%d = %s, want %s", i, r.ID, want[i].ID)
		}
	}
}

// The deep page starts deepTail objects before the end: 100 objects, more.
func TestDeepAddedAfterStartsThePageNearTheEnd(t *testing.T) {
	cfg := testConfig(t)
	res := mustPrepare(t, cfg)
	db := openDB(t, cfg.Path)
	page, err := db.Objects(context.Background(), res.CollectionID, store.Query{AddedAfter: res.DeepAfter, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	want := genObjects(t, cfg.Seed, cfg.Objects, cfg.Objects)
	if len(page.Records) != 100 || !page.More {
		t.Fatalf("deep page has %d records, more=%t; want 100 and more", len(page.Records), page.More)
	}
	if w := want[cfg.Objects-deepTail]; page.Records[0].ID != w.ID {
		t.Fatalf("deep page starts at %s, want object #%d %s", page.Records[0].ID, cfg.Objects-deepTail, w.ID)
	}
}

func TestMiddleAddedAfterStartsThePageAtHalfTheCollection(t *testing.T) {
	cfg := testConfig(t)
	res := mustPrepare(t, cfg)
	db := openDB(t, cfg.Path)
	page, err := db.Objects(context.Background(), res.CollectionID, store.Query{AddedAfter: res.MiddleAfter, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	want := genObjects(t, cfg.Seed, cfg.Objects, cfg.Objects)
	if len(page.Records) != 100 || !page.More {
		t.Fatalf("page has %d records, more=%t; want 100 and more", len(page.Records), page.More)
	}
	for i, r := range page.Records {
		if w := want[res.FirstPageObject+i]; r.ID != w.ID {
			t.Fatalf("page[%d] = %s, want object #%d %s", i, r.ID, res.FirstPageObject+i, w.ID)
		}
	}
	if got := res.MiddleAfter.Format(taxiiTime); got != res.MiddleAfter.Truncate(time.Microsecond).Format(taxiiTime) {
		t.Errorf("middle timestamp %s has sub-microsecond digits", got)
	}
}

func TestPrepareReusesAnExistingFile(t *testing.T) {
	cfg := testConfig(t)
	first := mustPrepare(t, cfg)
	before, err := os.Stat(cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	second := mustPrepare(t, cfg)
	if second.Built {
		t.Error("Built = true on reuse")
	}
	if second.CollectionID != first.CollectionID || !second.MiddleAfter.Equal(first.MiddleAfter) {
		t.Errorf("reuse gave %s %v, first run %s %v", second.CollectionID, second.MiddleAfter, first.CollectionID, first.MiddleAfter)
	}
	after, err := os.Stat(cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	if after.Size() != before.Size() {
		t.Errorf("file size changed on reuse: %d -> %d", before.Size(), after.Size())
	}
}

func TestPrepareReplacesAStalePartialFile(t *testing.T) {
	cfg := testConfig(t)
	if err := os.WriteFile(cfg.Path+".partial", []byte("left by an interrupted build"), 0o600); err != nil {
		t.Fatal(err)
	}
	if res := mustPrepare(t, cfg); !res.Built || res.Objects != cfg.Objects {
		t.Fatalf("result = %+v", res)
	}
}

func TestPrepareRefusesAFileBuiltForAnotherSize(t *testing.T) {
	cfg := testConfig(t)
	mustPrepare(t, cfg)
	cfg.Objects = 2000
	_, err := prepare(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "load-2000") || !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("err = %v, want a not-found error naming load-2000", err)
	}
}

func TestPrepareRejectsBadArguments(t *testing.T) {
	for _, tc := range []struct {
		name   string
		modify func(*config)
		want   string
	}{
		{"one object has no middle", func(c *config) { c.Objects = 1 }, "at least 2"},
		{"zero batch", func(c *config) { c.Batch = 0 }, "-batch"},
		{"empty password", func(c *config) { c.ReaderPassword = "" }, "password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			tc.modify(&cfg)
			_, err := prepare(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
			if _, err := os.Stat(cfg.Path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a file was created for a bad argument")
			}
		})
	}
}

func TestReaderAccountCanOnlyReadAndFollowsThePasswordFlag(t *testing.T) {
	cfg := testConfig(t)
	res := mustPrepare(t, cfg)
	check := func(password string) {
		t.Helper()
		db := openDB(t, cfg.Path)
		acct, err := db.Account(context.Background(), cfg.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if acct.Admin {
			t.Error("reader is an admin")
		}
		if g := acct.Grants[res.CollectionID]; !g.Read || g.Write {
			t.Errorf("grant = %+v, want read only", g)
		}
		if !store.CheckPassword(acct.PasswordHash, password) {
			t.Errorf("password %q does not match", password)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	check(cfg.ReaderPassword)
	cfg.ReaderPassword = "another-password"
	mustPrepare(t, cfg)
	check("another-password")
}

// The load script measures one page three ways. This checks, on a real
// server over the prepared file, that anonymous and Basic-auth callers
// get byte-identical bodies, and that the body passes -verify-page.
func TestServedMiddlePageIsIdenticalWithAndWithoutAuth(t *testing.T) {
	cfg := testConfig(t)
	res := mustPrepare(t, cfg)
	db := openDB(t, cfg.Path)
	srv, err := taxii.NewServer(db, taxii.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	url := hs.URL + "/herald/collections/" + res.CollectionID + "/objects/?limit=100&added_after=" + res.MiddleAfter.Format(taxiiTime)

	get := func(user, password string) []byte {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", "application/taxii+json;version=2.1")
		if user != "" {
			req.SetBasicAuth(user, password)
		}
		resp, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET as %q: %s\n%s", user, resp.Status, body)
		}
		return body
	}
	anon := get("", "")
	if again := get("", ""); !bytes.Equal(anon, again) {
		t.Fatal("two anonymous requests for the same page got different bytes")
	}
	authed := get(cfg.Reader, cfg.ReaderPassword)
	// The next token is bound to the caller, so only "next" may differ.
	var a, b map[string]json.RawMessage
	if err := json.Unmarshal(anon, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(authed, &b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a["objects"], b["objects"]) || !bytes.Equal(a["more"], b["more"]) {
		t.Fatalf("anonymous and authenticated pages differ (%d vs %d bytes)", len(anon), len(authed))
	}
	if d := len(authed) - len(anon); d < 0 || d > 64 {
		t.Errorf("authenticated body is %d bytes longer than the anonymous one, want 0..64 (caller tag in next)", d)
	}
	file := filepath.Join(t.TempDir(), "page.json")
	if err := os.WriteFile(file, anon, 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := verifyPageFile(file, 100)
	if err != nil {
		t.Fatalf("verifyPageFile: %v", err)
	}
	want := genObjects(t, cfg.Seed, cfg.Objects, cfg.Objects)
	if info.FirstID != want[res.FirstPageObject].ID || info.LastID != want[res.FirstPageObject+99].ID {
		t.Errorf("page spans %s..%s, want objects #%d..#%d", info.FirstID, info.LastID, res.FirstPageObject, res.FirstPageObject+99)
	}
}

func TestRunPrintsKeyValueLinesForTheScript(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.db")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-db", path, "-objects", "300", "-batch", "128"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	kv := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("stdout line %q is not key=value", line)
		}
		kv[k] = v
	}
	for k, want := range map[string]string{"collection_alias": "load-300", "objects": "300", "reader": "reader", "middle_index": "150", "built": "true"} {
		if kv[k] != want {
			t.Errorf("%s = %q, want %q", k, kv[k], want)
		}
	}
	if _, err := time.Parse(taxiiTime, kv["middle_added_after"]); err != nil {
		t.Errorf("middle_added_after %q: %v", kv["middle_added_after"], err)
	}
	if !strings.Contains(stderr.String(), "300/300 objects stored") {
		t.Errorf("no final progress line on stderr: %q", stderr.String())
	}
}

func TestRunRejectsMissingDBAndStrayArguments(t *testing.T) {
	for _, args := range [][]string{{}, {"-db", "x.db", "extra"}, {"-objects", "nope"}} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}

func BenchmarkFill(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		cfg := config{Path: filepath.Join(b.TempDir(), "bench.db"), Objects: 20_000, Batch: 10_000, Seed: 1,
			Reader: "reader", ReaderPassword: "pw-for-bench"}
		b.StartTimer()
		if _, err := prepare(context.Background(), cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(20_000*b.N)/b.Elapsed().Seconds(), "objects/s")
}
