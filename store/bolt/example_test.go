package bolt_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/bolt"
)

// Example shows the life of a collection: create it, add two versions of
// an indicator, read the latest version (TAXII's default), then every
// version page by page.
func Example() {
	dir, err := os.MkdirTemp("", "herald-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	db, err := bolt.Open(filepath.Join(dir, "herald.db"), &store.Options{Now: func() time.Time { return now }})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	ctx := context.Background()

	coll, err := db.CreateCollection(ctx, store.Collection{Title: "Advisories", Alias: "advisories"})
	if err != nil {
		fmt.Println(err)
		return
	}
	id := "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
	version := func(modified string) stix.Object {
		return stix.Object{Type: "indicator", ID: id, SpecVersion: "2.1", Created: "2024-01-01T00:00:00.000Z", Modified: modified,
			JSON: []byte(`{"type":"indicator","spec_version":"2.1","id":"` + id + `","created":"2024-01-01T00:00:00.000Z","modified":"` + modified + `"}`)}
	}
	res, err := db.PutObjects(ctx, coll.ID, []stix.Object{version("2024-02-01T00:00:00.000Z"), version("2024-01-01T00:00:00.000Z")})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res {
		fmt.Println(r.Outcome, r.Version, r.DateAdded.Format(time.RFC3339Nano))
	}

	page, err := db.Objects(ctx, coll.ID, store.Query{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("latest:", page.Records[0].Version)

	q := store.Query{Versions: []string{"all"}, Limit: 1, NoBytes: true}
	for {
		page, err := db.Objects(ctx, coll.ID, q)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, r := range page.Records {
			fmt.Println("version:", r.Version)
		}
		if !page.More {
			break
		}
		q.After = page.Next
	}
	// Output:
	// added 2024-02-01T00:00:00.000Z 2024-05-01T12:00:00Z
	// added 2024-01-01T00:00:00.000Z 2024-05-01T12:00:00.000001Z
	// latest: 2024-02-01T00:00:00.000Z
	// version: 2024-02-01T00:00:00.000Z
	// version: 2024-01-01T00:00:00.000Z
}

// ExampleHashPassword stores only a hash and checks a login against it.
func ExampleHashPassword() {
	hash, err := store.HashPassword("s3cret")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(store.CheckPassword(hash, "s3cret"), store.CheckPassword(hash, "guess"))
	// Output: true false
}
