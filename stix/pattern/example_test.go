package pattern_test

import (
	"errors"
	"fmt"

	"github.com/heraldcti/herald/stix/pattern"
)

func ExampleParse() {
	p, err := pattern.Parse("[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] " +
		"FOLLOWEDBY [file:hashes.'SHA-256' == 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'] WITHIN 300 SECONDS")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.ObjectTypes())
	for _, path := range p.Paths() {
		fmt.Println(path)
	}
	fmt.Println(p)
	// Output:
	// [file network-traffic]
	// network-traffic:dst_ref.type
	// network-traffic:dst_ref.value
	// file:hashes.'SHA-256'
	// [network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] FOLLOWEDBY [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'] WITHIN 300 SECONDS
}

func ExampleParse_error() {
	// A grammar error: Expected and Found say what went wrong.
	_, err := pattern.Parse("[file:name = 'invoice.exe' AND file:size]")
	fmt.Println(err)
	var se *pattern.SyntaxError
	if errors.As(err, &se) {
		fmt.Printf("offset %d, expected %s, found %s\n", se.Offset, se.Expected, se.Found)
	}

	// A well-formed token with bad content: Msg says why.
	_, err = pattern.Parse("[file:hashes.'SHA-256' = 'abc']")
	fmt.Println(err)
	// Output:
	// 1:41: expected '.', '[' or a comparison operator, found "]"
	// offset 40, expected '.', '[' or a comparison operator, found "]"
	// 1:26: 'abc' is not a valid SHA-256 hash: want 64 hex digits
}

func ExamplePattern_Comparisons() {
	p, err := pattern.Parse("[ipv4-addr:value = '198.51.100.1' OR ipv4-addr:value ISSUBSET '203.0.113.0/24'] " +
		"AND [file:hashes.MD5 IN ('cead3f77f6cda6ec00f57d76c9a6879f', '79054025255fb1a26e4bc422aef54eb4')]")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range p.Comparisons() {
		fmt.Printf("%s %s %s (%s)\n", c.Path, c.Op, c.Value, c.Value.Kind)
	}
	// Output:
	// ipv4-addr:value = '198.51.100.1' (string)
	// ipv4-addr:value ISSUBSET '203.0.113.0/24' (string)
	// file:hashes.MD5 IN ('cead3f77f6cda6ec00f57d76c9a6879f', '79054025255fb1a26e4bc422aef54eb4') (set)
}
