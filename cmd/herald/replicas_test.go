package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldcti/herald/internal/pgtest"
)

// replicaSet is two `herald serve` processes on one PostgreSQL database.
type replicaSet struct {
	t        *testing.T
	dsn      string
	password string
	base     [2]string // http://127.0.0.1:port, kept across restarts
	procs    [2]*process
	root     string // API root path, e.g. /taxii2/api/
	client   *http.Client
}

func (rs *replicaSet) env(addr string) env {
	return env{"HERALD_DB": rs.dsn, "HERALD_ADDR": addr, "HERALD_ADMIN_PASSWORD": rs.password}
}

// start runs replica i on addr and waits until it serves.
func (rs *replicaSet) start(i int, addr string) {
	rs.t.Helper()
	p := startProcess(rs.t, rs.t.TempDir(), rs.env(addr), "serve")
	discovery := p.waitFor(rs.t, readyLine)[1]
	u, err := url.Parse(discovery)
	if err != nil {
		rs.t.Fatal(err)
	}
	rs.base[i] = u.Scheme + "://" + u.Host
	rs.root = u.Path
	rs.procs[i] = p
}

// restart runs replica i again on its address, which the clients keep
// using (base is only read, never written, while they run).
func (rs *replicaSet) restart(i int) {
	rs.t.Helper()
	p := startProcess(rs.t, rs.t.TempDir(), rs.env(strings.TrimPrefix(rs.base[i], "http://")), "serve")
	p.waitFor(rs.t, readyLine)
	rs.procs[i] = p
}

// do sends one TAXII request to replica i as admin.
func (rs *replicaSet) do(i int, method, path string, body []byte) (*http.Response, []byte, error) {
	return rs.doAs(i, method, path, body, func(r *http.Request) { r.SetBasicAuth(AdminAccount, rs.password) })
}

// doAs sends one request to replica i, authenticated by auth.
func (rs *replicaSet) doAs(i int, method, path string, body []byte, auth func(*http.Request)) (*http.Response, []byte, error) {
	req, err := http.NewRequest(method, rs.base[i]+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	auth(req)
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	if body != nil && strings.Contains(path, "/collections/") && !strings.HasPrefix(path, "/admin/") {
		req.Header.Set("Content-Type", "application/taxii+json;version=2.1")
	} else if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := rs.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// get is do on replica i, falling over to the other one when i does not
// answer (it may be down).
func (rs *replicaSet) get(i int, path string) (*http.Response, []byte, error) {
	resp, b, err := rs.do(i, http.MethodGet, path, nil)
	if err != nil {
		resp, b, err = rs.do(1-i, http.MethodGet, path, nil)
	}
	return resp, b, err
}

// broadcast wakes readers waiting for new data: closed and replaced.
type broadcast struct {
	mu sync.Mutex
	ch chan struct{}
}

func (b *broadcast) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ch
}

func (b *broadcast) signal() {
	b.mu.Lock()
	close(b.ch)
	b.ch = make(chan struct{})
	b.mu.Unlock()
}

type pageEnvelope struct {
	More    bool   `json:"more"`
	Next    string `json:"next"`
	Objects []struct {
		ID string `json:"id"`
	} `json:"objects"`
}

// TestReplicasOnPostgreSQL: two `herald serve` replicas start at once on a
// new PostgreSQL database (one seeding, one admin); writers POST to both
// while one replica is killed with SIGKILL and restarted; readers page
// across the replicas four ways (next tokens on one replica, next plus
// the first added_after as OpenCTI sends it, a plain added_after walk, and
// next tokens alternating replicas page by page). In the end every
// acknowledged object is stored, every reader saw every stored object
// exactly once, and every add-request status can be read from the replica
// that did not accept the request.
func TestReplicasOnPostgreSQL(t *testing.T) {
	rs := &replicaSet{t: t, dsn: pgtest.NewDB(t), password: "replica-admin-password",
		client: &http.Client{Timeout: 20 * time.Second}}

	// Both start at the same moment on the new database.
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := startProcess(t, t.TempDir(), rs.env("127.0.0.1:0"), "serve")
			rs.procs[i] = p
		}()
	}
	wg.Wait()
	for i := range 2 {
		u, err := url.Parse(rs.procs[i].waitFor(t, readyLine)[1])
		if err != nil {
			t.Fatal(err)
		}
		rs.base[i] = u.Scheme + "://" + u.Host
		rs.root = u.Path
	}
	seeded := 0
	for i := range 2 {
		seeded += strings.Count(rs.procs[i].output(), "imported the built-in advisory")
	}
	if seeded != 1 {
		t.Fatalf("the built-in advisory was imported %d times", seeded)
	}
	var disc struct {
		Default string `json:"default"`
	}
	resp, b, err := rs.do(0, http.MethodGet, rs.root, nil)
	if err != nil || resp.StatusCode != 200 || json.Unmarshal(b, &disc) != nil {
		t.Fatalf("discovery: %v %s", err, b)
	}
	root, err := url.Parse(disc.Default)
	if err != nil {
		t.Fatal(err)
	}
	apiRoot := strings.TrimSuffix(root.Path, "/") + "/"

	r := mustRun(t, env{"HERALD_DB": rs.dsn}, "", "user", "list")
	if n := strings.Count(r.stdout+r.stderr, AdminAccount); n != 1 {
		t.Fatalf("user list shows %q %d times:\n%s%s", AdminAccount, n, r.stdout, r.stderr)
	}
	mustRun(t, env{"HERALD_DB": rs.dsn}, "", "collection", "add", "--title", "feed", "--alias", "feed")
	var cols struct {
		Collections []struct{ ID, Title string } `json:"collections"`
	}
	resp, b, err = rs.do(1, http.MethodGet, apiRoot+"collections/", nil)
	if err != nil || resp.StatusCode != http.StatusOK || json.Unmarshal(b, &cols) != nil {
		t.Fatalf("collections: %v %s", err, b)
	}
	var feed string
	for _, c := range cols.Collections {
		if c.Title == "feed" {
			feed = c.ID
		}
	}
	if feed == "" {
		t.Fatalf("replica 1 does not list the new collection: %s", b)
	}
	objects := apiRoot + "collections/" + feed + "/objects/"

	const writers, batches, perBatch = 2, 40, 5
	var acked sync.Map // id -> true: acknowledged by a 202 with the object in successes
	var ackedN atomic.Int64
	var writersDone atomic.Bool
	var statuses sync.Map // status id -> the replica that accepted the POST
	news := &broadcast{ch: make(chan struct{})}
	errs := make(chan error, 100)
	var wwg sync.WaitGroup
	for w := range writers {
		wwg.Add(1)
		go func() {
			defer wwg.Done()
			for n := range batches {
				var objs []string
				for k := range perBatch {
					id := fmt.Sprintf("identity--%08x-0000-4000-8000-%012x", w, n*perBatch+k)
					objs = append(objs, fmt.Sprintf(`{"type":"identity","spec_version":"2.1","id":%q,"created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"org %d-%d"}`, id, w, n*perBatch+k))
				}
				body := []byte(`{"objects":[` + strings.Join(objs, ",") + `]}`)
				target := (w + n) % 2
				var status struct {
					ID        string `json:"id"`
					Status    string `json:"status"`
					Successes []struct {
						ID string `json:"id"`
					} `json:"successes"`
				}
				for attempt := 0; ; attempt++ {
					resp, b, err := rs.do(target, http.MethodPost, objects, body)
					if err == nil && resp.StatusCode == http.StatusAccepted && json.Unmarshal(b, &status) == nil {
						break
					}
					if err == nil {
						errs <- fmt.Errorf("POST to replica %d: %d %s", target, resp.StatusCode, b)
						return
					}
					if attempt > 20 {
						errs <- fmt.Errorf("POST failed on both replicas: %v", err)
						return
					}
					target = 1 - target // down: the other replica
				}
				statuses.Store(status.ID, target)
				for _, s := range status.Successes {
					if _, dup := acked.LoadOrStore(s.ID, true); !dup {
						ackedN.Add(1)
					}
				}
				news.signal()
			}
		}()
	}

	// The killer: SIGKILL replica 1 once a third of the objects are in,
	// then start it again on the same address.
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		for ackedN.Load() < writers*batches*perBatch/3 {
			<-news.wait()
		}
		if err := rs.procs[1].cmd.Process.Kill(); err != nil {
			errs <- err
			return
		}
		<-rs.procs[1].done
	}()

	type reader struct {
		name string
		seen map[string]int
		err  error
	}
	readers := []*reader{{name: "next"}, {name: "next+added_after"}, {name: "added_after"}, {name: "alternating"}}
	var rwg sync.WaitGroup
	for ri, rd := range readers {
		rd.seen = map[string]int{}
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			var next, addedAfter, firstAddedAfter string
			page := 0
			for {
				wake := news.wait()
				finished := writersDone.Load() // before the request: an empty page after it ends the walk
				q := url.Values{"limit": {"7"}}
				switch {
				case rd.name == "added_after":
					if addedAfter != "" {
						q.Set("added_after", addedAfter)
					}
				case next != "":
					q.Set("next", next)
					if rd.name == "next+added_after" && firstAddedAfter != "" {
						q.Set("added_after", firstAddedAfter)
					}
				case addedAfter != "":
					q.Set("added_after", addedAfter)
					firstAddedAfter = addedAfter
				}
				target := 0
				if rd.name == "alternating" {
					target = page % 2
				} else if ri%2 == 1 {
					target = 1
				}
				page++
				resp, b, err := rs.get(target, objects+"?"+q.Encode())
				if err != nil {
					rd.err = err
					return
				}
				var envl pageEnvelope
				if resp.StatusCode == http.StatusOK {
					err = json.Unmarshal(b, &envl)
				} else if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusNotFound {
					err = fmt.Errorf("GET %s: %d %s", q.Encode(), resp.StatusCode, b)
				}
				if err != nil {
					rd.err = err
					return
				}
				for _, o := range envl.Objects {
					rd.seen[o.ID]++
				}
				if last := resp.Header.Get("X-TAXII-Date-Added-Last"); last != "" {
					addedAfter = last
				}
				if envl.More {
					next = envl.Next
					continue
				}
				next = ""
				if len(envl.Objects) > 0 {
					continue
				}
				if finished {
					return
				}
				<-wake
			}
		}()
	}

	<-killed
	t.Logf("replica 1 killed with %d objects acknowledged", ackedN.Load())
	rs.restart(1)
	t.Logf("replica 1 restarted with %d objects acknowledged", ackedN.Load())
	wwg.Wait()
	writersDone.Store(true)
	news.signal()
	rwg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// What is stored: exported through the database.
	out := mustRun(t, env{"HERALD_DB": rs.dsn}, "", "export", "--collection", "feed", "--format", "ndjson").stdout
	stored := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var o struct{ ID string }
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatalf("export line %q: %v", line, err)
		}
		stored[o.ID] = true
	}
	lost := 0
	acked.Range(func(k, _ any) bool {
		if !stored[k.(string)] {
			lost++
		}
		return true
	})
	if lost > 0 {
		t.Errorf("%d acknowledged objects are not stored", lost)
	}
	if int(ackedN.Load()) != writers*batches*perBatch {
		t.Errorf("%d objects acknowledged, want %d", ackedN.Load(), writers*batches*perBatch)
	}
	for _, rd := range readers {
		if rd.err != nil {
			t.Errorf("reader %s: %v", rd.name, rd.err)
			continue
		}
		missing, dup := 0, 0
		for id := range stored {
			switch rd.seen[id] {
			case 0:
				missing++
			case 1:
			default:
				dup++
			}
		}
		t.Logf("reader %s saw %d of %d stored objects", rd.name, len(rd.seen), len(stored))
		if missing > 0 || dup > 0 || len(rd.seen) != len(stored) {
			t.Errorf("reader %s: saw %d objects of %d stored: %d lost, %d duplicated", rd.name, len(rd.seen), len(stored), missing, dup)
			for id := range stored {
				if rd.seen[id] == 0 {
					t.Logf("reader %s never saw %s", rd.name, id)
				}
			}
		}
	}
	// Every status can be read from the other replica.
	checked := 0
	statuses.Range(func(k, v any) bool {
		checked++
		other := 1 - v.(int)
		resp, b, err := rs.do(other, http.MethodGet, apiRoot+"status/"+k.(string)+"/", nil)
		if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"complete"`) {
			t.Errorf("status %s from replica %d: %v %v %s", k, other, err, resp.StatusCode, b)
			return false
		}
		return true
	})
	if checked < writers*batches {
		t.Errorf("%d statuses recorded, want %d", checked, writers*batches)
	}
	r = runBin(t, t.TempDir(), env{"HERALD_DB": rs.dsn}, "check")
	if r.code != 0 {
		t.Errorf("check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for i := range 2 {
		rs.procs[i].stop(t)
		if out := rs.procs[i].output(); strings.Contains(out, pgtest.Password) {
			t.Errorf("replica %d logged the database password:\n%s", i, out)
		}
	}
}

// TestReplicasRevocationReachesEveryReplica: a revoked grant, a deleted
// token, a deleted account and a removed collection, changed through one
// replica, take effect on the other within 2 seconds, although the other
// had just verified (and cached) the credentials.
func TestReplicasRevocationReachesEveryReplica(t *testing.T) {
	rs := &replicaSet{t: t, dsn: pgtest.NewDB(t), password: "replica-admin-password",
		client: &http.Client{Timeout: 20 * time.Second}}
	rs.start(0, "127.0.0.1:0")
	rs.start(1, "127.0.0.1:0")
	defer func() {
		for i := range 2 {
			rs.procs[i].stop(t)
		}
	}()
	admin := func(method, path string, body string) []byte {
		t.Helper()
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		resp, out, err := rs.do(0, method, path, b)
		if err != nil || resp.StatusCode/100 != 2 {
			t.Fatalf("%s %s: %v %v %s", method, path, err, resp.StatusCode, out)
		}
		return out
	}
	var col struct{ ID string }
	if err := json.Unmarshal(admin(http.MethodPost, "/admin/collections", `{"title":"partners"}`), &col); err != nil {
		t.Fatal(err)
	}
	admin(http.MethodPost, "/admin/users", `{"name":"bob","password":"bob-password-long-enough"}`)
	admin(http.MethodPut, "/admin/users/bob/grants/"+col.ID, `{"read":true}`)
	var tok struct{ ID, Token string }
	if err := json.Unmarshal(admin(http.MethodPost, "/admin/users/bob/tokens", `{}`), &tok); err != nil {
		t.Fatal(err)
	}
	basic := func(r *http.Request) { r.SetBasicAuth("bob", "bob-password-long-enough") }
	bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok.Token) }
	asAdmin := func(r *http.Request) { r.SetBasicAuth(AdminAccount, rs.password) }
	var disc struct{ Default string }
	if _, b, err := rs.do(1, http.MethodGet, rs.root, nil); err != nil || json.Unmarshal(b, &disc) != nil {
		t.Fatalf("discovery: %v %s", err, b)
	}
	u, err := url.Parse(disc.Default)
	if err != nil {
		t.Fatal(err)
	}
	objects := strings.TrimSuffix(u.Path, "/") + "/collections/" + col.ID + "/objects/"

	// refusedWithin: replica 1 serves who (and caches the credentials),
	// then change runs through replica 0; replica 1 must refuse within 2 s.
	refusedWithin := func(what string, who func(*http.Request), change func()) {
		t.Helper()
		for range 2 { // the second answer comes from the cache
			resp, b, err := rs.doAs(1, http.MethodGet, objects, nil, who)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: before the change: %v %v %s", what, err, resp.StatusCode, b)
			}
		}
		change()
		start := time.Now()
		for {
			resp, _, err := rs.doAs(1, http.MethodGet, objects, nil, who)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK {
				t.Logf("%s: refused by the other replica after %v (%d)", what, time.Since(start).Round(time.Millisecond), resp.StatusCode)
				return
			}
			if time.Since(start) > 2*time.Second {
				t.Fatalf("%s: the other replica still serves after 2 s", what)
			}
		}
	}
	refusedWithin("revoked grant", basic, func() {
		admin(http.MethodPut, "/admin/users/bob/grants/"+col.ID, `{"read":false,"write":false}`)
	})
	admin(http.MethodPut, "/admin/users/bob/grants/"+col.ID, `{"read":true}`)
	refusedWithin("deleted token", bearer, func() {
		admin(http.MethodDelete, "/admin/users/bob/tokens/"+tok.ID, "")
	})
	refusedWithin("deleted account", basic, func() {
		admin(http.MethodDelete, "/admin/users/bob", "")
	})
	refusedWithin("removed collection", asAdmin, func() {
		admin(http.MethodDelete, "/admin/collections/"+col.ID, "")
	})
}
