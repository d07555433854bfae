package stix_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/heraldcti/herald/feed"
	"github.com/heraldcti/herald/stix"
)

func ExampleConvertAdvisory() {
	src := `advisory:
  id: example-1
  title: Phishing against Example Bank
  description: A short example.
  published: 2025-03-01
  tlp: green
  publisher: {name: Example CERT}
organisations:
  - {id: bank, name: Example Bank, roles: [victim]}
incidents:
  - id: phish
    name: Example Bank phishing
    date: 2025-02
    victims: [bank]
    losses:
      - {amount: 250_000, currency: EUR}
`
	a, err := feed.Parse(strings.NewReader(src), "example.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	objs, err := stix.ConvertAdvisory(a, stix.ConvertOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range objs {
		fmt.Println(o.Type, o.Version())
	}
	// Output:
	// marking-definition 2022-10-01T00:00:00.000Z
	// extension-definition 2022-10-01T00:00:00.000Z
	// identity 2023-06-20T10:00:00.000Z
	// extension-definition 2023-07-11T00:56:00.000Z
	// extension-definition 2023-05-16T21:01:53.607242Z
	// identity 2025-03-01T00:00:00.000Z
	// identity 2025-03-01T00:00:00.000Z
	// impact 2025-03-01T00:00:00.000Z
	// incident 2025-03-01T00:00:00.000Z
	// relationship 2025-03-01T00:00:00.000Z
	// report 2025-03-01T00:00:00.000Z
}

func ExampleNewIndicator() {
	objs, err := stix.NewIndicator(stix.IndicatorSpec{
		Publisher:  stix.PublisherIdentityID("Example CERT"),
		TLP:        "amber",
		Observable: &feed.Observable{Kind: feed.KindSHA256, Value: "275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F"},
		At:         time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range objs {
		fmt.Println(o.Type)
	}
	p, _ := stix.IndicatorPattern(feed.Observable{Kind: feed.KindSHA256, Value: "275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F"})
	fmt.Println(p)
	// Output:
	// marking-definition
	// indicator
	// file
	// relationship
	// [file:hashes.'SHA-256' = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f']
}

func ExampleSCOID() {
	fmt.Println(stix.SCOID("domain-name", map[string]any{"value": "example.com"}))
	// Output: domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7
}

func ExampleTLPMarking() {
	o, err := stix.TLPMarking("amber+strict")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(o.ID)
	// Output: marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003
}

func ExampleRevoke() {
	objs, _ := stix.NewIndicator(stix.IndicatorSpec{
		Publisher: stix.PublisherIdentityID("Example CERT"),
		TLP:       "clear",
		Pattern:   "[ipv4-addr:value = '198.51.100.7']",
		At:        time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC),
	})
	r, err := stix.Revoke(objs[1], time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.ID == objs[1].ID, r.Created, r.Modified, strings.Contains(string(r.JSON), `"revoked":true`))
	// Output: true 2025-03-01T00:00:00.000Z 2025-04-01T00:00:00.000Z true
}
