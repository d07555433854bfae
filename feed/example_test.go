package feed_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/heraldcti/herald/feed"
)

func ExampleParse() {
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
	in := a.Incidents[0]
	fmt.Println(in.Name, "-", in.Date.Human(), "-", in.Losses[0].Amount, in.Losses[0].Currency)
	// Output: Example Bank phishing - February 2025 - 250000 EUR
}

func ExampleErrorList() {
	src := `advisory:
  id: example-1
  title: Typo
  descripton: misspelt
  published: 2025-03-01
  tlp: green
  publisher: {name: Example CERT}
`
	_, err := feed.Parse(strings.NewReader(src), "typo.yaml")
	var list feed.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Println(e)
		}
	}
	// Output:
	// typo.yaml:2:3: advisory.description: missing required field "description"
	// typo.yaml:4:3: advisory.descripton: unknown field "descripton" (did you mean "description"?)
}
