package taxii_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/taxii"
)

// Client-behaviour tests: the paging algorithm of each widely used TAXII
// client (next token, added_after, or both, as each really pages) walks a
// 10,000-object collection while another goroutine adds objects. After the writer stops, each client makes its next scheduled
// poll. Together the polls must have seen every object exactly once.

// pollClient is one HTTP client with a user and a collection URL.
type pollClient struct {
	base    string // …/collections/{id}/objects/
	user    string
	client  *http.Client
	fetched chan struct{} // if set, signalled (without blocking) after each page
}

type page struct {
	envelope
	last string // X-TAXII-Date-Added-Last
}

func (c pollClient) get(q url.Values) (page, error) {
	u := c.base
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	hr, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return page{}, err
	}
	hr.Header.Set("Accept", taxii.MediaTypeTAXII)
	hr.SetBasicAuth(c.user, password)
	res, err := c.client.Do(hr)
	if err != nil {
		return page{}, err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return page{}, fmt.Errorf("GET %s: status %d", u, res.StatusCode)
	}
	var p page
	if err := json.NewDecoder(res.Body).Decode(&p.envelope); err != nil {
		return page{}, fmt.Errorf("GET %s: %w", u, err)
	}
	p.last = res.Header.Get("X-TAXII-Date-Added-Last")
	if c.fetched != nil {
		select {
		case c.fetched <- struct{}{}:
		default:
		}
	}
	if p.More != (p.Next != "") {
		return page{}, fmt.Errorf("GET %s: more=%v but next=%q", u, p.More, p.Next)
	}
	return p, nil
}

func (p page) ids() ([]string, error) {
	out := make([]string, len(p.Objects))
	for i, o := range p.Objects {
		var x struct{ ID string }
		if err := json.Unmarshal(o, &x); err != nil {
			return nil, err
		}
		out[i] = x.ID
	}
	return out, nil
}

// A client strategy runs one poll (a full walk of pages) from its saved
// state and returns the ids it received.
type strategy interface {
	poll(c pollClient) ([]string, error)
}

// elastic: ti_custom's CEL program. First added_after = now - interval in
// RFC 3339 seconds; follow-ups carry only next and limit while body.next is
// non-empty; the cursor is X-TAXII-Date-Added-Last of each response.
type elastic struct{ cursor string }

func (s *elastic) poll(c pollClient) ([]string, error) {
	var all []string
	q := url.Values{"added_after": {s.cursor}, "limit": {"250"}}
	for {
		p, err := c.get(q)
		if err != nil {
			return nil, err
		}
		ids, err := p.ids()
		if err != nil {
			return nil, err
		}
		all = append(all, ids...)
		if p.last != "" {
			s.cursor = p.last
		}
		if p.Next == "" {
			return all, nil
		}
		q = url.Values{"next": {p.Next}, "limit": {"250"}}
	}
}

// opencti: the platform's ingester. Sends next together with the old
// added_after_start; when a page has no more, the next start is the page's
// X-TAXII-Date-Added-Last (now() if missing — which must not happen).
type opencti struct {
	start string
	next  string
}

func (s *opencti) poll(c pollClient) ([]string, error) {
	var all []string
	for {
		q := url.Values{"added_after": {s.start}, "limit": {"300"}}
		if s.next != "" {
			q.Set("next", s.next)
		}
		p, err := c.get(q)
		if err != nil {
			return nil, err
		}
		ids, err := p.ids()
		if err != nil {
			return nil, err
		}
		all = append(all, ids...)
		if p.More && p.Next != "" {
			s.next = p.Next
			continue
		}
		s.next = ""
		if p.last == "" {
			return nil, fmt.Errorf("no X-TAXII-Date-Added-Last: OpenCTI would fall back to now() and lose data")
		}
		if len(ids) > 0 {
			s.start = p.last
		}
		return all, nil
	}
}

// addedAfterWalk: §3.5's fallback, never using next: repeat the query with
// added_after = X-TAXII-Date-Added-Last while more is true.
type addedAfterWalk struct{ cursor string }

func (s *addedAfterWalk) poll(c pollClient) ([]string, error) {
	var all []string
	for {
		p, err := c.get(url.Values{"added_after": {s.cursor}, "limit": {"400"}})
		if err != nil {
			return nil, err
		}
		ids, err := p.ids()
		if err != nil {
			return nil, err
		}
		all = append(all, ids...)
		if len(ids) > 0 {
			s.cursor = p.last
		}
		if !p.More {
			return all, nil
		}
	}
}

// bigLimit asks for more than the server maximum and resends the original
// parameters with next (§3.4, §3.5).
type bigLimit struct{ cursor string }

func (s *bigLimit) poll(c pollClient) ([]string, error) {
	var all []string
	q := url.Values{"added_after": {s.cursor}, "limit": {"100000"}}
	for {
		p, err := c.get(q)
		if err != nil {
			return nil, err
		}
		ids, err := p.ids()
		if err != nil {
			return nil, err
		}
		if len(ids) > 1000 {
			return nil, fmt.Errorf("page of %d objects exceeds the server maximum", len(ids))
		}
		all = append(all, ids...)
		if p.last != "" && len(ids) > 0 {
			s.cursor = p.last
		}
		if !p.More {
			return all, nil
		}
		q.Set("next", p.Next)
	}
}

// asPages: taxii2-client's as_pages. The first request already carries
// next= (empty), the filters are resent on every page, and per_request
// shrinks to what the server actually returned.
type asPages struct{ cursor string }

func (s *asPages) poll(c pollClient) ([]string, error) {
	var all []string
	per := 2000
	next := ""
	for {
		q := url.Values{"added_after": {s.cursor}, "limit": {fmt.Sprint(per)}, "next": {next}}
		p, err := c.get(q)
		if err != nil {
			return nil, err
		}
		ids, err := p.ids()
		if err != nil {
			return nil, err
		}
		all = append(all, ids...)
		if len(ids) > 0 && len(ids) < per {
			per = len(ids)
		}
		if !p.More {
			if len(all) > 0 && p.last != "" {
				s.cursor = p.last
			}
			return all, nil
		}
		next = p.Next
	}
}

func TestClients_PagingUnderConcurrentWritesLosesNothing(t *testing.T) {
	initial, batches, batch := 10000, 40, 25
	if testing.Short() || raceEnabled {
		initial, batches = 2000, 10 // see raceEnabled; the full size runs without -race
	}
	e := newEnv(t, func(c *taxii.Config) { c.MaxPageSize = 1000 })
	var want []string
	objs := make([]stix.Object, 0, 1000)
	for i := 1; i <= initial; i++ {
		o := indicator(i, "")
		objs = append(objs, o)
		want = append(want, o.ID)
		if len(objs) == cap(objs) {
			e.put(e.pub.ID, objs...)
			objs = objs[:0]
		}
	}
	if len(objs) > 0 {
		e.put(e.pub.ID, objs...)
	}

	start := "2026-01-02T03:04:04Z" // one second before the first date_added
	clients := map[string]strategy{
		"elastic":          &elastic{cursor: start},
		"opencti":          &opencti{start: start},
		"added_after walk": &addedAfterWalk{cursor: start},
		"limit above max":  &bigLimit{cursor: start},
		"taxii2-client":    &asPages{cursor: start},
	}
	pc := pollClient{base: e.base + objectsPath(e, e.pub, ""), user: userReader, client: &http.Client{Timeout: time.Minute},
		fetched: make(chan struct{}, 1)}
	walksDone := make(chan struct{})

	var wmu sync.Mutex
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		for b := 0; b < batches; b++ {
			// Spread the writes over the walks: each batch after a page
			// has been served, until the walks are over.
			select {
			case <-pc.fetched:
			case <-walksDone:
			}
			var add []stix.Object
			for i := 0; i < batch; i++ {
				add = append(add, malware(initial+b*batch+i+1))
			}
			if _, err := e.db.PutObjects(context.Background(), e.pub.ID, add); err != nil {
				t.Errorf("writer: %v", err)
				return
			}
			wmu.Lock()
			for _, o := range add {
				want = append(want, o.ID)
			}
			wmu.Unlock()
		}
	}()

	seen := map[string][]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, s := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids, err := s.poll(pc)
			if err != nil {
				t.Errorf("%s: first poll: %v", name, err)
				return
			}
			mu.Lock()
			seen[name] = append(seen[name], ids...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(walksDone)
	<-writerDone
	if t.Failed() {
		return
	}
	for name, s := range clients {
		ids, err := s.poll(pc) // the next scheduled poll
		if err != nil {
			t.Fatalf("%s: second poll: %v", name, err)
		}
		seen[name] = append(seen[name], ids...)
	}

	sort.Strings(want)
	for name, ids := range seen {
		count := map[string]int{}
		for _, id := range ids {
			count[id]++
		}
		var lost, dup int
		for _, id := range want {
			if count[id] == 0 {
				lost++
			}
		}
		for _, n := range count {
			if n > 1 {
				dup++
			}
		}
		t.Logf("%s: %d objects received, %d lost, %d duplicated", name, len(ids), lost, dup)
		if lost != 0 || dup != 0 || len(ids) != len(want) {
			t.Errorf("%s: saw %d objects (want %d): %d lost, %d duplicated", name, len(ids), len(want), lost, dup)
		}
	}
}
