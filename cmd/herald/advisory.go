package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/heraldcti/herald/feed"
	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

// convertAdvisory converts an advisory against the objects it published
// before (nil for a first import), at the time now.
func convertAdvisory(a *feed.Advisory, previous []stix.Object, now time.Time) ([]stix.Object, error) {
	return stix.ConvertAdvisory(a, stix.ConvertOptions{Previous: previous, Now: now})
}

// previousAdvisoryObjects finds what an advisory published before in the
// collection: the latest version of its report (whose id derives from the
// advisory id) and of every object that report lists. The converter keeps
// unchanged objects byte for byte, publishes new versions of edited ones
// and revokes the ones no longer in the file.
func previousAdvisoryObjects(ctx context.Context, b backend, col store.Collection, a *feed.Advisory) ([]stix.Object, error) {
	report, err := b.Latest(ctx, col, stix.AuthorID("report", a.ID, ""))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("previous report of advisory %s: %w", a.ID, err)
	}
	var r struct {
		ObjectRefs []string `json:"object_refs"`
	}
	if err := json.Unmarshal(report.JSON, &r); err != nil {
		return nil, fmt.Errorf("previous report of advisory %s: %w", a.ID, err)
	}
	prev := []stix.Object{report}
	for _, id := range r.ObjectRefs {
		o, err := b.Latest(ctx, col, id)
		if errors.Is(err, store.ErrNotFound) {
			continue // removed by hand since: nothing to keep or revoke
		}
		if err != nil {
			return nil, fmt.Errorf("previous object %s of advisory %s: %w", id, a.ID, err)
		}
		prev = append(prev, o)
	}
	return prev, nil
}

// importAdvisory parses a YAML advisory, converts it against what it
// published before, and queues the objects. A parse or conversion error
// rejects the whole file, naming its line and field.
func (imp *importer) importAdvisory(ctx context.Context, r io.Reader, file string, tick func()) error {
	a, err := feed.Parse(r, file)
	if err != nil {
		imp.reject(file, "", err.Error())
		return nil
	}
	prev, err := previousAdvisoryObjects(ctx, imp.b, imp.coll, a)
	if err != nil {
		return err
	}
	objs, err := convertAdvisory(a, prev, time.Now())
	if err != nil {
		imp.reject(file, "", err.Error())
		return nil
	}
	for _, o := range objs {
		tick()
		if err := imp.queue(ctx, file, o); err != nil {
			return err
		}
	}
	return nil
}

// publisherObjects returns what `herald indicator add` needs beside the
// indicator, as the built-in advisory publishes them: the TLP 2.0
// extension definition that the TLP markings use, the advisory's marking,
// and the publisher identity (the built-in advisory's publisher, "Herald")
// that indicators are created_by_ref. They are written with the indicator
// (as unchanged when present), so every reference resolves in the
// collection. The identity comes last.
func publisherObjects() ([]stix.Object, error) {
	a, objs, err := builtinObjects()
	if err != nil {
		return nil, err
	}
	marking, err := stix.TLPMarkingID(a.TLP)
	if err != nil {
		return nil, err
	}
	identity := stix.PublisherIdentityID(a.Publisher.Name)
	var out []stix.Object
	for _, id := range []string{stix.TLP2ExtensionID, marking, identity} {
		i := slices.IndexFunc(objs, func(o stix.Object) bool { return o.ID == id })
		if i < 0 {
			return nil, fmt.Errorf("built-in advisory has no object %s", id)
		}
		out = append(out, objs[i])
	}
	return out, nil
}
