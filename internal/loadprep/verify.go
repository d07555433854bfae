package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/heraldcti/herald/stix"
)

// pageInfo summarises a saved TAXII objects response.
type pageInfo struct {
	Objects         int
	More            bool
	FirstID, LastID string
}

// verifyPageFile checks that path holds a TAXII 2.1 envelope with exactly
// want valid STIX objects and "more": true (a page from the middle of a
// collection always has more after it). The load script runs it on the
// body it saved, so a misconfigured run (an error body, an empty page,
// the wrong page size) fails before anything is measured.
func verifyPageFile(path string, want int) (pageInfo, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return pageInfo{}, fmt.Errorf("verify page: %w", err)
	}
	var env struct {
		More    *bool             `json:"more"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return pageInfo{}, fmt.Errorf("verify page %s: not a TAXII envelope: %w", path, err)
	}
	info := pageInfo{Objects: len(env.Objects), More: env.More != nil && *env.More}
	if len(env.Objects) != want {
		return info, fmt.Errorf("verify page %s: %d objects, want %d", path, len(env.Objects), want)
	}
	objs, err := stix.Decode(data, stix.DecodeOptions{})
	if err != nil {
		return info, fmt.Errorf("verify page %s: %w", path, err)
	}
	if len(objs) != want {
		return info, fmt.Errorf("verify page %s: the decoder found %d objects, want %d", path, len(objs), want)
	}
	if !info.More {
		return info, fmt.Errorf(`verify page %s: "more" is not true; the page should come from the middle of the collection`, path)
	}
	for _, o := range objs {
		if err := stix.Validate(o); err != nil {
			return info, fmt.Errorf("verify page %s: %w", path, err)
		}
	}
	info.FirstID, info.LastID = objs[0].ID, objs[len(objs)-1].ID
	return info, nil
}
