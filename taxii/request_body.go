package taxii

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// refuseContentEncoding answers 415 (RFC 7694 §3) to a request body sent
// with a content coding other than identity. Herald never inflates request
// bodies: a compressed body would let a few kilobytes on the wire expand
// past max_content_length, and no TAXII client compresses what it posts.
// The response's Accept-Encoding header says which codings are taken.
func refuseContentEncoding(req *http.Request) error {
	for _, v := range req.Header.Values(echo.HeaderContentEncoding) {
		for _, coding := range strings.Split(v, ",") {
			if c := strings.TrimSpace(coding); c != "" && !strings.EqualFold(c, "identity") {
				return &apiError{
					Status:      http.StatusUnsupportedMediaType,
					Description: "request bodies must not be compressed; Content-Encoding " + strings.TrimSpace(v) + " is not supported",
					Header:      http.Header{"Accept-Encoding": {"identity"}},
				}
			}
		}
	}
	return nil
}

// duplicateKey reports the first member name that appears twice in one
// JSON object anywhere in data (RFC 7493 §2.3 forbids it, and decoders
// disagree on which value wins). Invalid JSON has no duplicate: the real
// decode reports its syntax error.
func duplicateKey(data []byte) (string, bool) {
	if !json.Valid(data) {
		return "", false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		keys     map[string]bool
		isObject bool
		wantKey  bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		top := len(stack) - 1
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if top >= 0 && stack[top].isObject {
					stack[top].wantKey = true
				}
				f := frame{isObject: t == '{', wantKey: true}
				if f.isObject {
					f.keys = map[string]bool{}
				}
				stack = append(stack, f)
			default:
				stack = stack[:top]
				if len(stack) == 0 {
					return "", false
				}
			}
			continue
		case string:
			if top >= 0 && stack[top].isObject && stack[top].wantKey {
				if stack[top].keys[t] {
					return t, true
				}
				stack[top].keys[t] = true
				stack[top].wantKey = false
				continue
			}
		}
		if top >= 0 && stack[top].isObject {
			stack[top].wantKey = true
		}
	}
}
