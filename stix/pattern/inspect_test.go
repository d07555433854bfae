package pattern_test

import (
	"reflect"
	"testing"
)

func TestObjectTypes(t *testing.T) {
	tests := []struct {
		src  string
		want []string
	}{
		{"[ipv4-addr:value = '198.51.100.1/32']", []string{"ipv4-addr"}},
		{"[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com']", []string{"network-traffic"}},
		{"[url:value = 'a'] FOLLOWEDBY ([file:name = 'b'] OR [domain-name:value = 'c' AND EXISTS domain-name:resolves_to_refs]) AND [url:value = 'd']", []string{"domain-name", "file", "url"}},
		{"[(type-a:x = 1 AND type-a:y = 2) OR (type-b:x = 3 AND type-b:y = 4)]", []string{"type-a", "type-b"}},
		{"[x-herald-cryptocurrency-wallet:address = 'bc1q'] OR [ipv6-addr:value = '::1']", []string{"ipv6-addr", "x-herald-cryptocurrency-wallet"}},
		{"[(zzz:a = 1 OR aaa:b = 2) OR mmm:c = 3]", []string{"aaa", "mmm", "zzz"}},
	}
	for _, tc := range tests {
		if got := mustParse(t, tc.src).ObjectTypes(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ObjectTypes(%q) = %q, want %q", tc.src, got, tc.want)
		}
	}
}

func TestPaths(t *testing.T) {
	tests := []struct {
		src  string
		want []string
	}{
		{"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']", []string{"file:hashes.'SHA-256'"}},
		{"[file:hashes.'MD5' = 'cead3f77f6cda6ec00f57d76c9a6879f']", []string{"file:hashes.MD5"}},
		{"[file:'name' = 'x' OR file:name = 'y']", []string{"file:name"}},
		{"[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]", []string{"file:extensions.'windows-pebinary-ext'.sections[*].entropy"}},
		{"[email-message:body_multipart[1].body_raw_ref.name = 'x' AND email-message:to_refs[-1].value = 'y']", []string{"email-message:body_multipart[1].body_raw_ref.name", "email-message:to_refs[-1].value"}},
		{"[network-traffic:extensions.'http-request-ext'.request_header.'Accept-Encoding' = 'gzip']", []string{"network-traffic:extensions.'http-request-ext'.request_header.'Accept-Encoding'"}},
		{"[file:hashes.'it\\'s' = 'x' AND file:hashes.'a\\\\b' = 'y']", []string{`file:hashes.'it\'s'`, `file:hashes.'a\\b'`}},
		{"[file:x.'IN' = 1 AND file:x.'true' = 2 AND file:x.'9lives' = 3 AND file:x.'' = 4]", []string{"file:x.'IN'", "file:x.'true'", "file:x.'9lives'", "file:x.''"}},
		{"[b-type:z = 1] AND [a-type:y = 2] AND [b-type:z = 3]", []string{"b-type:z", "a-type:y"}},
		{"[EXISTS windows-registry-key:values[*].name]", []string{"windows-registry-key:values[*].name"}},
	}
	for _, tc := range tests {
		if got := mustParse(t, tc.src).Paths(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Paths(%q) = %q, want %q", tc.src, got, tc.want)
		}
	}
}

func TestComparisonsInSourceOrder(t *testing.T) {
	p := mustParse(t, "([abc:a = 1] FOLLOWEDBY [abc:b = 2 OR (abc:c = 3 AND abc:d = 4)]) WITHIN 5 SECONDS OR [abc:e = 5]")
	var got []string
	for _, c := range p.Comparisons() {
		got = append(got, c.String())
	}
	want := []string{"abc:a = 1", "abc:b = 2", "abc:c = 3", "abc:d = 4", "abc:e = 5"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Comparisons = %q, want %q", got, want)
	}
}
