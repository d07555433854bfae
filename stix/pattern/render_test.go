package pattern_test

import (
	"testing"
)

// TestStringCanonical checks the canonical rendering of equivalent spellings.
func TestStringCanonical(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"spacing", "[ file:name='x'AND file:size>=1 ]", "[file:name = 'x' AND file:size >= 1]"},
		{"equality spellings", "[abc:a == 1 AND abc:b <> 2]", "[abc:a = 1 AND abc:b != 2]"},
		{"comments dropped", "[abc:a = 1] /* c */ AND // d\n [abc:b = 2]", "[abc:a = 1] AND [abc:b = 2]"},
		{"redundant comparison parens", "[((abc:a = 1)) AND (abc:b = 2 AND abc:c = 3)]", "[abc:a = 1 AND abc:b = 2 AND abc:c = 3]"},
		{"needed comparison parens", "[(abc:a = 1 OR abc:b = 2) AND abc:c = 3]", "[(abc:a = 1 OR abc:b = 2) AND abc:c = 3]"},
		{"precedence made explicit", "[abc:a = 1 OR abc:b = 2 AND abc:c = 3]", "[abc:a = 1 OR (abc:b = 2 AND abc:c = 3)]"},
		{"redundant observation parens", "(([abc:a = 1]) AND ([abc:b = 2] AND [abc:c = 3]))", "[abc:a = 1] AND [abc:b = 2] AND [abc:c = 3]"},
		{"AND inside OR keeps parens", "([abc:a = 1] AND [abc:b = 2]) OR [abc:c = 3]", "([abc:a = 1] AND [abc:b = 2]) OR [abc:c = 3]"},
		{"observation precedence made explicit", "[abc:a = 1] AND [abc:b = 2] OR [abc:c = 3] AND [abc:d = 4]", "([abc:a = 1] AND [abc:b = 2]) OR ([abc:c = 3] AND [abc:d = 4])"},
		{"OR inside AND needs parens", "([abc:a = 1] OR [abc:b = 2]) AND [abc:c = 3]", "([abc:a = 1] OR [abc:b = 2]) AND [abc:c = 3]"},
		{"FOLLOWEDBY inside OR", "[abc:a = 1] OR ([abc:b = 2] FOLLOWEDBY [abc:c = 3])", "[abc:a = 1] OR ([abc:b = 2] FOLLOWEDBY [abc:c = 3])"},
		{"FOLLOWEDBY loosest", "[abc:a = 1] OR [abc:b = 2] FOLLOWEDBY [abc:c = 3]", "([abc:a = 1] OR [abc:b = 2]) FOLLOWEDBY [abc:c = 3]"},
		{"qualified group keeps parens", "([abc:a = 1] AND [abc:b = 2]) WITHIN 5 SECONDS", "([abc:a = 1] AND [abc:b = 2]) WITHIN 5 SECONDS"},
		{"qualified group is not flattened", "([abc:a = 1] AND [abc:b = 2]) WITHIN 5 SECONDS AND [abc:c = 3]", "([abc:a = 1] AND [abc:b = 2]) WITHIN 5 SECONDS AND [abc:c = 3]"},
		{"grouped single observation", "([abc:a = 1]) REPEATS 2 TIMES", "[abc:a = 1] REPEATS 2 TIMES"},
		{"nested qualifiers merge", "(([abc:a = 1] WITHIN 5 SECONDS) REPEATS 2 TIMES)", "[abc:a = 1] WITHIN 5 SECONDS REPEATS 2 TIMES"},
		{"qualifier order kept", "[abc:a = 1] REPEATS 2 TIMES WITHIN 5.50 SECONDS", "[abc:a = 1] REPEATS 2 TIMES WITHIN 5.5 SECONDS"},
		{"numbers", "[abc:a = 5 AND abc:b = -0 AND abc:c = .5 AND abc:d = -.25 AND abc:e = 7.0 AND abc:f = 007.10]", "[abc:a = 5 AND abc:b = 0 AND abc:c = 0.5 AND abc:d = -0.25 AND abc:e = 7.0 AND abc:f = 7.1]"},
		{"hex lower-cased", "[file:magic_number_hex = h'FFD8aB']", "[file:magic_number_hex = h'ffd8ab']"},
		{"string escapes", `[file:name = 'it\'s a \\ path']`, `[file:name = 'it\'s a \\ path']`},
		{"quoted plain key unquoted", "[file:'name' = 'x' AND file:hashes.'MD5' = 'cead3f77f6cda6ec00f57d76c9a6879f']", "[file:name = 'x' AND file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']"},
		{"reserved key stays quoted", "[file:x.'AND' = 1]", "[file:x.'AND' = 1]"},
		{"index forms", "[file:a[ 3 ][ * ][-0] = 1]", "[file:a[3][*][0] = 1]"},
		{"set spacing", "[abc:a IN(1,2 ,3.5)]", "[abc:a IN (1, 2, 3.5)]"},
		{"base64 line feeds dropped", "[artifact:payload_bin = b'dGhpcyBp\ncyBhIHRl\r\nc3Q=']", "[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']"},
		{"empty set", "[abc:a NOT IN ( )]", "[abc:a NOT IN ()]"},
		{"EXISTS", "[ EXISTS  abc:a ]", "[EXISTS abc:a]"},
		{"timestamps as written", "[abc:a = t'2016-06-01T01:30:00.120Z'] START t'2016-06-01T00:00:00Z' STOP t'2016-06-01T00:00:00.5Z'", "[abc:a = t'2016-06-01T01:30:00.120Z'] START t'2016-06-01T00:00:00Z' STOP t'2016-06-01T00:00:00.5Z'"},
		{"unicode whitespace", "[abc:a\u00a0=\u20031]\u3000AND\u2028[abc:b = 2]", "[abc:a = 1] AND [abc:b = 2]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustParse(t, tc.src)
			got := p.String()
			if got != tc.want {
				t.Fatalf("String()\n got %s\nwant %s", got, tc.want)
			}
			if again := mustParse(t, got).String(); again != got {
				t.Errorf("not stable: %s -> %s", got, again)
			}
		})
	}
}
