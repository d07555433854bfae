package web

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"github.com/heraldcti/herald/store"
)

// Search. There is no text index: a search reads the collection newest
// first (latest version of each object, the type filter applied through the
// store's type index) in chunks of searchChunk objects, and stops after
// examining `window` objects (default 5000) or finding a page of matches.
// The page then offers to "search further", continuing from where it
// stopped. So one request reads at most window objects plus the probes
// that find the chunks (see newestStart), on any collection size.
//
// A match is a case-insensitive substring of the object's name or
// description (a note's abstract and content, an indicator's pattern
// count too). Objects whose raw JSON cannot contain the query (checked
// on the bytes first) are not decoded.

const searchChunk = 500

type searchResult struct {
	Records  []store.Record // newest first
	Examined int
	Continue int64 // "before" position to search further; 0 when the start was reached
}

func (p *Pages) search(ctx context.Context, col string, types []string, q string, end int64, n, window int) (searchResult, error) {
	var res searchResult
	needle := strings.ToLower(q)
	rawNeedle := []byte(needle)
	var hint int64
	for res.Examined < window {
		w, err := p.newestStart(ctx, col, types, end, searchChunk, searchChunk/2, hint)
		if err != nil {
			return res, err
		}
		if w.Start >= w.End {
			return res, nil
		}
		hint = w.End - w.Start
		var chunk []store.Record
		err = p.readWindow(ctx, col, types, w, 1000, false, func(v store.RawVersion) error {
			if matches(v.JSON, needle, rawNeedle) {
				chunk = append(chunk, store.Record{DateAdded: v.DateAdded.Time(), ID: string(v.ID), Type: string(v.Type),
					Version: string(v.Version), SpecVersion: string(v.SpecVersion), JSON: append([]byte(nil), v.JSON...)})
			}
			res.Examined++
			return nil
		})
		if err != nil {
			return res, err
		}
		for i := len(chunk) - 1; i >= 0; i-- {
			res.Records = append(res.Records, chunk[i])
			if len(res.Records) == n {
				if i > 0 || w.Older {
					res.Continue = chunk[i].DateAdded.UnixMicro()
				}
				return res, nil
			}
		}
		if !w.Older {
			return res, nil
		}
		end = w.Start
		res.Continue = w.Start + 1
	}
	return res, nil
}

// matches reports whether the object's searchable text contains needle
// (lower case).
func matches(raw []byte, needle string, rawNeedle []byte) bool {
	// Fast rejection: without JSON escapes in the object, its text appears
	// in the raw bytes as is.
	if !bytes.Contains(raw, []byte(`\`)) && !containsFold(raw, rawNeedle) {
		return false
	}
	var o struct {
		Name        string   `json:"name"`
		Description string   `json:"description"`
		Abstract    string   `json:"abstract"`
		Content     string   `json:"content"`
		Pattern     string   `json:"pattern"`
		Aliases     []string `json:"aliases"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return false
	}
	for _, s := range []string{o.Name, o.Description, o.Abstract, o.Content, o.Pattern} {
		if strings.Contains(strings.ToLower(s), needle) {
			return true
		}
	}
	for _, s := range o.Aliases {
		if strings.Contains(strings.ToLower(s), needle) {
			return true
		}
	}
	return false
}

// containsFold is a case-insensitive bytes.Contains for a lower-case
// needle; it may say yes wrongly for non-ASCII text (the decode then
// decides), never no wrongly.
func containsFold(hay, lowNeedle []byte) bool {
	if len(lowNeedle) == 0 {
		return true
	}
	for _, b := range lowNeedle {
		if b >= 0x80 {
			return true // leave Unicode case folding to the decode
		}
	}
	n := len(lowNeedle)
	for i := 0; i+n <= len(hay); i++ {
		j := 0
		for ; j < n; j++ {
			c := hay[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lowNeedle[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}

func containsBytes(hay, needle []byte) bool {
	return bytes.Contains(hay, needle) || bytes.Contains(hay, []byte(`\u`))
}
