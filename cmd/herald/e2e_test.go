package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heraldcti/herald/internal/testdata"
)

// process is herald running as a separate process.
type process struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr bytes.Buffer
	lines  chan string
	done   chan error
}

// binCmd is the built binary run in dir with exactly the environment
// given (plus PATH and HOME), so the tester's HERALD_* never leak in.
func binCmd(dir string, e env, args ...string) *exec.Cmd {
	cmd := exec.Command(heraldBin, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	for k, v := range e {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// startProcess runs the built binary in dir with exactly the environment
// given (plus PATH and HOME), collecting stderr line by line.
func startProcess(t *testing.T, dir string, e env, args ...string) *process {
	t.Helper()
	cmd := binCmd(dir, e, args...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, lines: make(chan string, 1024), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			select {
			case p.lines <- sc.Text():
			default:
			}
		}
		close(p.lines)
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// waitFor reads stderr lines until one matches re, and returns the
// submatches.
func (p *process) waitFor(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("process ended before printing %v:\n%s", re, p.output())
			}
			if m := re.FindStringSubmatch(line); m != nil {
				return m
			}
		case <-deadline:
			t.Fatalf("no line matching %v within 30s:\n%s", re, p.output())
		}
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.output())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no exit within 30s of SIGTERM")
	}
}

var readyLine = regexp.MustCompile(`discovery=(\S+)`)

// taxiiGet GETs a TAXII resource and decodes it.
func taxiiGet(t *testing.T, url, user, password string, out any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", taxiiMediaType)
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("GET %s: %v\n%s", url, err, body)
	}
}

// The embedded default: `herald serve` with no flags in an empty
// directory creates herald.db, seeds the built-in advisory into a public
// collection, prints a working admin password once, and serves the
// advisory over TAXII. A restart imports nothing and prints no password.
func TestServeWithNoFlagsServesBuiltinAdvisory(t *testing.T) {
	dir := t.TempDir()
	// The address comes from the environment only because port 8080 may
	// be taken on the test machine; no flag is given.
	e := env{"HERALD_ADDR": "127.0.0.1:0"}
	p := startProcess(t, dir, e, "serve")
	discovery := p.waitFor(t, readyLine)[1]
	out := p.output()
	// stderr is a pipe, not a terminal: the password is in a file only
	// the owner can read, and the log names the file.
	secret := filepath.Join(dir, "herald.db.admin-password")
	if !strings.Contains(out, secret) {
		t.Fatalf("the log does not name the password file %s:\n%s", secret, out)
	}
	fi, err := os.Stat(secret)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("password file: %v, %v; want mode 0600", fi, err)
	}
	b, err := os.ReadFile(secret)
	if err != nil {
		t.Fatal(err)
	}
	pw := regexp.MustCompile(`^admin:(\S{24})\n$`).FindStringSubmatch(string(b))
	if pw == nil {
		t.Fatalf("password file holds %q", b)
	}
	if strings.Contains(out, pw[1]) {
		t.Fatalf("the generated password reached stderr:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "herald.db")); err != nil {
		t.Fatalf("herald.db not created in the working directory: %v", err)
	}

	var disc struct {
		Default  string   `json:"default"`
		APIRoots []string `json:"api_roots"`
	}
	taxiiGet(t, discovery, "", "", &disc)
	root := disc.Default
	if root == "" && len(disc.APIRoots) > 0 {
		root = disc.APIRoots[0]
	}
	if !strings.HasPrefix(root, "http") {
		root = strings.TrimSuffix(discovery, "/taxii2/") + root
	}
	root = strings.TrimSuffix(root, "/") + "/"
	var cols struct {
		Collections []struct {
			ID, Title string
			CanRead   bool `json:"can_read"`
		} `json:"collections"`
	}
	taxiiGet(t, root+"collections/", "", "", &cols) // anonymous: public read
	var colID string
	for _, c := range cols.Collections {
		if c.Title == BuiltinCollectionTitle && c.CanRead {
			colID = c.ID
		}
	}
	if colID == "" {
		t.Fatalf("no readable %q collection for anonymous callers: %+v", BuiltinCollectionTitle, cols)
	}
	var objs struct {
		Objects []struct {
			Type, ID, Name string
		} `json:"objects"`
	}
	taxiiGet(t, root+"collections/"+colID+"/objects/?match[type]=report", "", "", &objs)
	if len(objs.Objects) != 1 || !strings.Contains(objs.Objects[0].Name, "North Korea") {
		t.Fatalf("reports served: %+v, want the built-in advisory's report", objs.Objects)
	}

	// The printed password is the admin's.
	var users []struct{ Name string }
	req, _ := http.NewRequest(http.MethodGet, strings.TrimSuffix(discovery, "taxii2/")+"admin/users", nil)
	req.SetBasicAuth(AdminAccount, pw[1])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&users)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(users) != 1 || users[0].Name != AdminAccount {
		t.Fatalf("admin API with the printed password: %d %+v", resp.StatusCode, users)
	}
	p.stop(t)

	before := mustRun(t, nil, "", "export", "--db", filepath.Join(dir, "herald.db"), "--all-versions", "--format", "ndjson").stdout

	p = startProcess(t, dir, e, "serve")
	p.waitFor(t, readyLine)
	p.stop(t)
	if out := p.output(); strings.Contains(out, pw[1]) || strings.Contains(out, "Created the admin account") || strings.Contains(out, "imported the built-in advisory") {
		t.Errorf("the restart seeded again or printed the password:\n%s", out)
	}
	after := mustRun(t, nil, "", "export", "--db", filepath.Join(dir, "herald.db"), "--all-versions", "--format", "ndjson").stdout
	if before != after || strings.Count(after, "\n") < 10 {
		t.Errorf("restart changed the stored versions: %d lines before, %d after", strings.Count(before, "\n"), strings.Count(after, "\n"))
	}
}

// icsFile writes the ATT&CK for ICS bundle, gzip-compressed, into dir and
// returns its path and the compact bytes of each of its objects, in order.
func icsFile(t *testing.T, dir string) (string, [][]byte) {
	t.Helper()
	raw := testdata.ICSBundle(t)
	var bundle struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(raw, &bundle); err != nil {
		t.Fatal(err)
	}
	want := make([][]byte, len(bundle.Objects))
	for i, o := range bundle.Objects {
		var b bytes.Buffer
		if err := json.Compact(&b, o); err != nil {
			t.Fatal(err)
		}
		want[i] = b.Bytes()
	}
	path := filepath.Join(dir, "ics-attack.json.gz")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	if err := os.WriteFile(path, gz.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, want
}

// bundleObjects parses an exported bundle, checking its shape.
func bundleObjects(t *testing.T, data []byte) [][]byte {
	t.Helper()
	var b struct {
		Type    string            `json:"type"`
		ID      string            `json:"id"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	if b.Type != "bundle" || !regexp.MustCompile(`^bundle--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(b.ID) {
		t.Fatalf("not a STIX 2.1 bundle with a UUIDv4 id: type %q id %q", b.Type, b.ID)
	}
	out := make([][]byte, len(b.Objects))
	for i, o := range b.Objects {
		out[i] = o
	}
	return out
}

// sameObjects compares object lists byte for byte, in order.
func sameObjects(t *testing.T, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d objects, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("object %d differs:\n got %.300s\nwant %.300s", i, got[i], want[i])
		}
	}
}

func TestImportExportRoundTripsICSBundleByteForByte(t *testing.T) {
	dir := t.TempDir()
	e := env{"HERALD_DB": filepath.Join(dir, "h.db")}
	path, want := icsFile(t, dir)
	if len(want) != testdata.ICSObjectCount {
		t.Fatalf("ICS bundle has %d objects, want %d", len(want), testdata.ICSObjectCount)
	}
	mustRun(t, e, "", "collection", "add", "--title", "ATT&CK for ICS", "--alias", "ics")
	r := mustRun(t, e, "", "import", "--collection", "ics", path)
	if !strings.Contains(r.stderr, "1,826 added, 0 new versions, 0 unchanged, 0 replaced, 0 conflicts kept, 0 rejected") {
		t.Fatalf("import report:\n%s", r.stderr)
	}

	out := filepath.Join(dir, "out.json")
	mustRun(t, e, "", "export", "--collection", "ATT&CK for ICS", "-o", out)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	sameObjects(t, bundleObjects(t, data), want)

	nd := mustRun(t, e, "", "export", "--collection", "ics", "--format", "ndjson").stdout
	lines := strings.Split(strings.TrimSuffix(nd, "\n"), "\n")
	got := make([][]byte, len(lines))
	for i, l := range lines {
		got[i] = []byte(l)
	}
	sameObjects(t, got, want)

	// Importing again changes nothing.
	r = mustRun(t, e, "", "import", "--collection", "ics", path)
	if !strings.Contains(r.stderr, "0 added, 0 new versions, 1,826 unchanged, 0 replaced, 0 conflicts kept, 0 rejected") {
		t.Fatalf("second import report:\n%s", r.stderr)
	}
	// Filters: only attack patterns, and nothing added after the last one.
	var patterns int
	for _, o := range want {
		if bytes.HasPrefix(o, []byte(`{"type":"attack-pattern"`)) || bytes.Contains(o, []byte(`"type":"attack-pattern"`)) {
			patterns++
		}
	}
	typed := bundleObjects(t, []byte(mustRun(t, e, "", "export", "--collection", "ics", "--type", "attack-pattern").stdout))
	if len(typed) != patterns || patterns == 0 {
		t.Errorf("--type attack-pattern: %d objects, want %d", len(typed), patterns)
	}
	future := mustRun(t, e, "", "export", "--collection", "ics", "--added-after", time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "--format", "envelope").stdout
	if strings.TrimSpace(future) != `{"more":false}` {
		t.Errorf("export after the last addition = %q, want an empty envelope", future)
	}
}

// writeBundle writes a bundle of the given objects.
func writeBundle(t *testing.T, path string, objs ...string) {
	t.Helper()
	body := `{"type":"bundle","id":"bundle--6b0a0b1e-2f0e-4f5a-9b3c-0d2f3a4b5c6d","objects":[` + strings.Join(objs, ",") + `]}`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func identityJSON(uuid, name, modified string) string {
	return fmt.Sprintf(`{"type":"identity","spec_version":"2.1","id":"identity--%s","created":"2024-01-01T00:00:00.000Z","modified":"%s","name":"%s","identity_class":"organization"}`, uuid, modified, name)
}

func TestImportReportsRejectionsAndKeepsValidObjects(t *testing.T) {
	dir := t.TempDir()
	e := env{"HERALD_DB": filepath.Join(dir, "h.db")}
	mustRun(t, e, "", "collection", "add", "--title", "t")
	good1 := identityJSON("11111111-1111-4111-8111-111111111111", "one", "2024-01-01T00:00:00.000Z")
	good2 := identityJSON("22222222-2222-4222-8222-222222222222", "two", "2024-01-01T00:00:00.000Z")
	bad := `{"type":"identity","spec_version":"2.1","id":"identity--33333333-3333-4333-8333-333333333333","modified":"2024-01-01T00:00:00.000Z","name":"no created"}`
	path := filepath.Join(dir, "mixed.json")
	writeBundle(t, path, good1, bad, `42`, good2)

	r := run(t, e, "", "import", "--collection", "t", "--atomic", path)
	if r.code != 1 || !strings.Contains(r.stderr, "nothing written") {
		t.Fatalf("--atomic with rejections: exit %d\n%s", r.code, r.stderr)
	}
	if n := strings.Count(mustRun(t, e, "", "export", "--collection", "t", "--format", "ndjson").stdout, "\n"); n != 0 {
		t.Fatalf("--atomic wrote %d objects despite rejections", n)
	}

	r = run(t, e, "", "import", "--collection", "t", path)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		"rejected: " + path + ": identity--33333333-3333-4333-8333-333333333333: ",
		"created",
		"rejected: " + path + ": objects[2]: ",
		"2 added, 0 new versions, 0 unchanged, 0 replaced, 0 conflicts kept, 2 rejected",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("report does not contain %q:\n%s", want, r.stderr)
		}
	}
	nd := mustRun(t, e, "", "export", "--collection", "t", "--format", "ndjson").stdout
	if nd != good1+"\n"+good2+"\n" {
		t.Errorf("stored objects:\n%s\nwant the two valid ones", nd)
	}

	// A new version, an unchanged one, and a conflicting one: the conflict
	// keeps the stored version, is named, and is not a rejection (exit 0).
	newer := identityJSON("11111111-1111-4111-8111-111111111111", "one, renamed", "2024-02-01T00:00:00.000Z")
	conflict := identityJSON("22222222-2222-4222-8222-222222222222", "two, but different", "2024-01-01T00:00:00.000Z")
	writeBundle(t, path, newer, good1, conflict)
	r = run(t, e, "", "import", "--collection", "t", path)
	if r.code != 0 || !strings.Contains(r.stderr, "0 added, 1 new versions, 1 unchanged, 0 replaced, 1 conflicts kept, 0 rejected") ||
		!strings.Contains(r.stderr, "conflict: "+path+": identity--22222222-2222-4222-8222-222222222222: version 2024-01-01T00:00:00.000Z is already stored with different content") {
		t.Fatalf("exit %d, report:\n%s", r.code, r.stderr)
	}
	// --atomic is about invalid objects: a kept conflict does not stop it.
	writeBundle(t, path, conflict)
	if r := run(t, e, "", "import", "--collection", "t", "--atomic", path); r.code != 0 || !strings.Contains(r.stderr, "1 conflicts kept") {
		t.Fatalf("--atomic with a kept conflict: exit %d\n%s", r.code, r.stderr)
	}
	if r := run(t, e, "", "import", "--collection", "t", "--atomic", "--on-conflict", "fail", path); r.code != 1 || !strings.Contains(r.stderr, "nothing written") {
		t.Fatalf("--on-conflict fail with a conflict: exit %d\n%s", r.code, r.stderr)
	}
}

func TestImportReadsStdinAndMalformedJSONNamesThePlace(t *testing.T) {
	dir := t.TempDir()
	e := env{"HERALD_DB": filepath.Join(dir, "h.db")}
	mustRun(t, e, "", "collection", "add", "--title", "t")
	obj := identityJSON("44444444-4444-4444-8444-444444444444", "stdin", "2024-01-01T00:00:00.000Z")
	r := mustRun(t, e, "["+obj+"]", "import", "--collection", "t", "-")
	if !strings.Contains(r.stderr, "1 added") {
		t.Fatalf("stdin import:\n%s", r.stderr)
	}
	r = run(t, e, "{\"objects\": [\n"+obj+",\n{\"type\": }]}", "import", "--collection", "t", "-")
	if r.code != 1 || !strings.Contains(r.stderr, "stdin") || !strings.Contains(r.stderr, "line 3") {
		t.Fatalf("malformed JSON: exit %d\n%s", r.code, r.stderr)
	}
	if r := run(t, e, "", "import", "--collection", "t", filepath.Join(dir, "missing.json")); r.code != 1 || !strings.Contains(r.stderr, "missing.json") {
		t.Fatalf("missing file: exit %d\n%s", r.code, r.stderr)
	}
	if r := run(t, e, "", "import", "--collection", "nope", "-"); r.code != 1 || strings.Count(r.stderr, `collection "nope"`) != 1 {
		t.Fatalf("unknown collection: exit %d\n%s", r.code, r.stderr)
	}
}
