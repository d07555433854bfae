package taxii_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/taxii"
)

// outcomeStatus is a status with Herald's x_herald_outcomes.
type outcomeStatus struct {
	status
	Outcomes *taxii.StatusOutcomes `json:"x_herald_outcomes"`
}

func (r resp) outcomeStatus(t *testing.T) outcomeStatus {
	t.Helper()
	var s outcomeStatus
	if err := json.Unmarshal(r.body, &s); err != nil {
		t.Fatalf("not a status: %v\n%s", err, r.body)
	}
	if err := json.Unmarshal(r.body, &s.status); err != nil {
		t.Fatal(err)
	}
	return s
}

// outcomes maps "id success|failure" to the outcome word, checking that
// x_herald_outcomes is aligned with the lists.
func (s outcomeStatus) outcomes(t *testing.T) map[string]string {
	t.Helper()
	if s.Outcomes == nil {
		t.Fatalf("status without x_herald_outcomes: %+v", s.status)
	}
	if len(s.Outcomes.Successes) != len(s.Successes) || len(s.Outcomes.Failures) != len(s.Failures) {
		t.Fatalf("x_herald_outcomes %+v not aligned with %d successes and %d failures", s.Outcomes, len(s.Successes), len(s.Failures))
	}
	m := map[string]string{}
	for i, d := range s.Successes {
		m[d.ID+" success"] = s.Outcomes.Successes[i]
	}
	for i, d := range s.Failures {
		m[d.ID+" failure"] = s.Outcomes.Failures[i]
	}
	return m
}

// edited is o with a changed name and the same modified.
func edited(o stix.Object) stix.Object {
	o.JSON = bytes.Replace(o.JSON, []byte(`"name":"`), []byte(`"name":"edited `), 1)
	return o
}

// reordered is o with its members in reverse order and white space.
func reordered(t *testing.T, o stix.Object) stix.Object {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(o.JSON, &m); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteString("{ ")
	for i := len(keys) - 1; i >= 0; i-- {
		k, _ := json.Marshal(keys[i])
		b.Write(k)
		b.WriteString(" : ")
		b.Write(m[keys[i]])
		if i > 0 {
			b.WriteString(",\n ")
		}
	}
	b.WriteString(" }")
	o.JSON = b.Bytes()
	return o
}

func setPolicy(t *testing.T, e *env, p store.ConflictPolicy) {
	t.Helper()
	c, err := e.db.Collection(context.Background(), e.priv.ID)
	if err != nil {
		t.Fatal(err)
	}
	c.OnConflict = p
	if _, err := e.db.UpdateCollection(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}

// §5.5 with Herald's per-collection on_conflict: a version stored with
// JSON-equal content is a success ("unchanged") under every policy; a real
// difference is a failure saying the stored one was kept (keep), a
// success with a new date_added (replace), or fails the whole request
// (fail). Every detail carries its outcome in x_herald_outcomes.
func TestAddObjectsConflictPolicies(t *testing.T) {
	e := newEnv(t)
	a, b := indicator(1, ""), indicator(2, "")
	e.put(e.priv.ID, a, b)
	newObj := indicator(3, "")
	invalid := []byte(`{"type":"indicator","spec_version":"2.1","id":"indicator--bad"}`)
	body := func(objs ...stix.Object) []byte {
		return bytes.Replace(envelopeOf(objs...), []byte(`]}`), append(append([]byte(`,`), invalid...), `]}`...), 1)
	}

	// keep (the default)
	s := post(e, userRW, body(reordered(t, a), edited(b), newObj)).outcomeStatus(t)
	got := s.outcomes(t)
	want := map[string]string{
		a.ID + " success": taxii.OutcomeUnchanged, b.ID + " failure": taxii.OutcomeConflict,
		newObj.ID + " success": taxii.OutcomeAdded, "indicator--bad failure": taxii.OutcomeInvalid,
	}
	if !sameMap(got, want) {
		t.Errorf("keep: outcomes %v, want %v", got, want)
	}
	for _, f := range s.Failures {
		if f.ID == b.ID && !strings.Contains(f.Message, "stored one was kept") {
			t.Errorf("keep: conflict message %q does not say the stored one was kept", f.Message)
		}
	}
	if got := e.get(objectsPath(e, e.priv, "match[id]="+b.ID), userRW).envelope(t); len(got.Objects) != 1 || !bytes.Equal(got.Objects[0], b.JSON) {
		t.Errorf("keep changed the stored bytes: %s", got.Objects)
	}

	// fail: nothing of the request is written.
	setPolicy(t, e, store.ConflictFail)
	lastBefore := e.get(objectsPath(e, e.priv, ""), userRW).Header.Get("X-TAXII-Date-Added-Last")
	newer := indicator(4, "")
	s = post(e, userRW, body(reordered(t, a), edited(b), newer)).outcomeStatus(t)
	got = s.outcomes(t)
	want = map[string]string{
		a.ID + " failure": taxii.OutcomeNotWritten, b.ID + " failure": taxii.OutcomeConflict,
		newer.ID + " failure": taxii.OutcomeNotWritten, "indicator--bad failure": taxii.OutcomeInvalid,
	}
	if !sameMap(got, want) || s.SuccessCount != 0 || s.FailureCount != 4 {
		t.Errorf("fail: outcomes %v (successes %d, failures %d), want %v", got, s.SuccessCount, s.FailureCount, want)
	}
	if got := e.get(objectsPath(e, e.priv, "match[id]="+newer.ID), userRW).envelope(t); len(got.Objects) != 0 {
		t.Errorf("fail wrote %s", got.Objects)
	}
	if last := e.get(objectsPath(e, e.priv, ""), userRW).Header.Get("X-TAXII-Date-Added-Last"); last != lastBefore {
		t.Errorf("fail moved X-TAXII-Date-Added-Last from %s to %s", lastBefore, last)
	}
	// The stored status says the same.
	if st := e.get("/herald/status/"+s.ID+"/", userRW).outcomeStatus(t); !sameMap(st.outcomes(t), want) {
		t.Errorf("stored status outcomes %v", st.outcomes(t))
	}

	// replace: the edited version replaces the stored one and comes last.
	setPolicy(t, e, store.ConflictReplace)
	e.clock.Add(time.Minute)
	s = post(e, userRW, body(reordered(t, a), edited(b))).outcomeStatus(t)
	got = s.outcomes(t)
	want = map[string]string{a.ID + " success": taxii.OutcomeUnchanged, b.ID + " success": taxii.OutcomeReplaced, "indicator--bad failure": taxii.OutcomeInvalid}
	if !sameMap(got, want) {
		t.Errorf("replace: outcomes %v, want %v", got, want)
	}
	r := e.get(objectsPath(e, e.priv, "added_after="+lastBefore), userRW)
	env := r.envelope(t)
	if len(env.Objects) != 1 || !bytes.Equal(env.Objects[0], edited(b).JSON) {
		t.Errorf("added_after the previous last: %s, want the replaced object only", env.Objects)
	}
	if last := r.Header.Get("X-TAXII-Date-Added-Last"); last <= lastBefore {
		t.Errorf("X-TAXII-Date-Added-Last %s did not move past %s", last, lastBefore)
	}
	vs := e.get("/herald/collections/"+e.priv.ID+"/objects/"+b.ID+"/versions/", userRW).json(t)
	if v, _ := vs["versions"].([]any); len(v) != 1 {
		t.Errorf("versions after replace: %v, want one", vs)
	}
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// The admin API sets a collection's on_conflict on create and with PATCH,
// and refuses an unknown policy with 400.
func TestAdminCollectionOnConflict(t *testing.T) {
	e := newEnv(t)
	r := e.admin(http.MethodPost, "/admin/collections", userAdmin, taxii.AdminCollection{Title: "Mirror", OnConflict: "replace"})
	wantStatus(t, r, http.StatusCreated)
	var c taxii.AdminCollection
	if err := json.Unmarshal(r.body, &c); err != nil {
		t.Fatal(err)
	}
	if c.OnConflict != "replace" {
		t.Errorf("created %+v", c)
	}
	fail := "fail"
	r = e.admin(http.MethodPatch, "/admin/collections/Mirror", userAdmin, taxii.AdminCollectionUpdate{OnConflict: &fail})
	wantStatus(t, r, http.StatusOK)
	if got, err := e.db.Collection(context.Background(), c.ID); err != nil || got.OnConflict != store.ConflictFail || got.Title != "Mirror" {
		t.Errorf("after PATCH: %+v, %v", got, err)
	}
	title := "Mirror 2"
	wantStatus(t, e.admin(http.MethodPatch, "/admin/collections/"+c.ID, userAdmin, taxii.AdminCollectionUpdate{Title: &title}), http.StatusOK)
	if got, _ := e.db.Collection(context.Background(), c.ID); got.OnConflict != store.ConflictFail || got.Title != title {
		t.Errorf("a PATCH of the title changed the policy: %+v", got)
	}
	bad := "overwrite"
	m := wantError(t, e.admin(http.MethodPatch, "/admin/collections/"+c.ID, userAdmin, taxii.AdminCollectionUpdate{OnConflict: &bad}), http.StatusBadRequest)
	if d, _ := m["description"].(string); !strings.Contains(d, "overwrite") {
		t.Errorf("description %q does not name the value", d)
	}
	wantError(t, e.admin(http.MethodPost, "/admin/collections", userAdmin, taxii.AdminCollection{Title: "X", OnConflict: "sometimes"}), http.StatusBadRequest)
	wantError(t, e.admin(http.MethodPatch, "/admin/collections/nope", userAdmin, taxii.AdminCollectionUpdate{OnConflict: &fail}), http.StatusNotFound)
	wantError(t, e.admin(http.MethodPatch, "/admin/collections/"+c.ID, userRW, taxii.AdminCollectionUpdate{OnConflict: &fail}), http.StatusForbidden)
	var list []taxii.AdminCollection
	json.Unmarshal(e.admin(http.MethodGet, "/admin/collections", userAdmin, nil).body, &list)
	for _, l := range list {
		want := "keep"
		if l.ID == c.ID {
			want = "fail"
		}
		if l.OnConflict != want {
			t.Errorf("listed %q with on_conflict %q, want %q", l.Title, l.OnConflict, want)
		}
	}
}

// The collection resource tells callers who may write what their
// conflicts will do (x_herald_on_conflict); readers do not see it.
func TestCollectionResourceShowsOnConflictToWriters(t *testing.T) {
	e := newEnv(t)
	setPolicy(t, e, store.ConflictReplace)
	path := "/herald/collections/" + e.priv.ID + "/"
	if got := e.get(path, userRW).json(t)["x_herald_on_conflict"]; got != "replace" {
		t.Errorf("writer sees x_herald_on_conflict %v, want replace", got)
	}
	if got, ok := e.get(path, userReader).json(t)["x_herald_on_conflict"]; ok {
		t.Errorf("reader sees x_herald_on_conflict %v", got)
	}
}
