package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

// config is what one loadprep run prepares.
type config struct {
	Path           string // database file
	Objects        int    // objects in the load collection
	Batch          int    // objects per PutObjects transaction
	Seed           uint64 // generator seed
	Reader         string // account granted read on the collection
	ReaderPassword string
	Progress       io.Writer // progress lines while filling; nil for none
}

// result describes a prepared database; main prints it for the script.
type result struct {
	CollectionID    string
	Alias           string
	Objects         int
	MiddleAfter     time.Time // added_after that starts a page at object Objects/2
	Reader          string
	Built           bool // false when an existing file was reused
	BuildTime       time.Duration
	FileSize        int64
	FirstPageObject int       // index (0-based) of the first object of the middle page
	DeepAfter       time.Time // added_after that starts a page at object Objects-deepTail (zero for tiny collections)
}

// aliasFor is the alias of the load collection of n objects: a file built
// for another size is recognisably not the one asked for.
func aliasFor(n int) string { return "load-" + strconv.Itoa(n) }

// prepare makes sure cfg.Path holds the load collection and returns its
// description. A missing file is built under cfg.Path+".partial" and only
// renamed into place once complete and synced, so an interrupted build is
// never mistaken for a finished one. An existing file is reused after
// checking that its collection has cfg.Objects objects.
// deepTail is how far from the end the deep page starts: a page of 100
// with more=true.
const deepTail = 101

func prepare(ctx context.Context, cfg config) (_ result, err error) {
	if cfg.Objects < 2 {
		return result{}, fmt.Errorf("-objects %d: need at least 2 objects (for a middle page)", cfg.Objects)
	}
	if cfg.Batch < 1 {
		return result{}, fmt.Errorf("-batch %d: must be at least 1", cfg.Batch)
	}
	if cfg.ReaderPassword == "" {
		return result{}, errors.New("empty reader password")
	}
	var res result
	if _, err := os.Stat(cfg.Path); errors.Is(err, os.ErrNotExist) {
		start := time.Now()
		if err := build(ctx, cfg); err != nil {
			return result{}, err
		}
		res.Built, res.BuildTime = true, time.Since(start)
	} else if err != nil {
		return result{}, fmt.Errorf("stat %s: %w", cfg.Path, err)
	}

	db, err := store.Open(ctx, cfg.Path, &store.Options{MaxPageSize: 100_000})
	if err != nil {
		return result{}, err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	col, err := db.Collection(ctx, aliasFor(cfg.Objects))
	if err != nil {
		return result{}, fmt.Errorf("%s: no collection %q (a file built for another size, or not by loadprep? remove it to rebuild): %w",
			cfg.Path, aliasFor(cfg.Objects), err)
	}
	n, err := db.CountVersions(ctx, col.ID)
	if err != nil {
		return result{}, err
	}
	if n != cfg.Objects {
		return result{}, fmt.Errorf("%s: collection %s holds %d object versions, want %d; remove the file to rebuild",
			cfg.Path, col.Alias, n, cfg.Objects)
	}
	if err := ensureReader(ctx, db, col.ID, cfg.Reader, cfg.ReaderPassword); err != nil {
		return result{}, err
	}
	res.FirstPageObject = cfg.Objects / 2
	if res.MiddleAfter, err = dateAddedAt(ctx, db, col.ID, res.FirstPageObject-1); err != nil {
		return result{}, err
	}
	// The deep page: added_after near the end, a full page with one object after it.
	if cfg.Objects >= 2*deepTail {
		if res.DeepAfter, err = dateAddedAt(ctx, db, col.ID, cfg.Objects-deepTail-1); err != nil {
			return result{}, err
		}
	}
	fi, err := os.Stat(cfg.Path)
	if err != nil {
		return result{}, fmt.Errorf("stat %s: %w", cfg.Path, err)
	}
	res.CollectionID, res.Alias, res.Objects, res.Reader, res.FileSize = col.ID, col.Alias, n, cfg.Reader, fi.Size()
	return res, nil
}

// build writes a new database with the load collection to a temporary
// file, then renames it to cfg.Path.
func build(ctx context.Context, cfg config) (err error) {
	tmp := cfg.Path + ".partial"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove stale %s: %w", tmp, err)
	}
	db, err := store.Open(ctx, tmp, &store.Options{NoSync: true})
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed {
			err = errors.Join(err, db.Close())
		}
	}()

	col, err := db.CreateCollection(ctx, store.Collection{
		Title:       fmt.Sprintf("Load test, %d objects", cfg.Objects),
		Alias:       aliasFor(cfg.Objects),
		Description: "Synthetic STIX 2.1 indicators made by internal/loadprep for scripts/load.sh. Not real threat intelligence.",
		PublicRead:  true,
	})
	if err != nil {
		return fmt.Errorf("build %s: %w", tmp, err)
	}
	if err := fill(ctx, db, col.ID, cfg); err != nil {
		return fmt.Errorf("build %s: %w", tmp, err)
	}
	closed = true
	if err := db.Close(); err != nil { // Close syncs what NoSync left unsynced
		return err
	}
	if err := os.Rename(tmp, cfg.Path); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	return nil
}

// fill stores cfg.Objects generated objects in batches of cfg.Batch, one
// write transaction each.
func fill(ctx context.Context, db store.Store, collectionID string, cfg config) error {
	gen := newGenerator(cfg.Seed, cfg.Objects)
	batch := make([]stix.Object, 0, cfg.Batch)
	start, lastReport := time.Now(), time.Now()
	for done := 0; done < cfg.Objects; {
		batch = batch[:0]
		for len(batch) < cfg.Batch && done+len(batch) < cfg.Objects {
			o, err := gen.next()
			if err != nil {
				return err
			}
			batch = append(batch, o)
		}
		res, err := db.PutObjects(ctx, collectionID, batch)
		if err != nil {
			return fmt.Errorf("objects %d..%d: %w", done, done+len(batch)-1, err)
		}
		for i, r := range res {
			if r.Outcome != store.Added {
				return fmt.Errorf("object #%d %s: %s, want added (duplicate id from the generator?)", done+i, r.ID, r.Outcome)
			}
		}
		done += len(batch)
		if cfg.Progress != nil && (time.Since(lastReport) >= 5*time.Second || done == cfg.Objects) {
			lastReport = time.Now()
			el := time.Since(start)
			fmt.Fprintf(cfg.Progress, "loadprep: %d/%d objects stored (%.0f/s, %s)\n",
				done, cfg.Objects, float64(done)/el.Seconds(), el.Round(time.Second))
		}
	}
	return nil
}

// ensureReader makes sure the reader account exists, has this password
// and may read the collection. It only writes when something differs, so
// reusing a file does not pay for an argon2 hash.
func ensureReader(ctx context.Context, db store.Store, collectionID, name, password string) error {
	acct, err := db.Account(ctx, name)
	exists := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("reader account %s: %w", name, err)
	}
	if exists && acct.Admin {
		return fmt.Errorf("reader account %s is an admin: pick another -reader name", name)
	}
	if !exists {
		h, err := store.HashPassword(password)
		if err != nil {
			return fmt.Errorf("reader account %s: %w", name, err)
		}
		err = db.CreateAccount(ctx, store.Account{Name: name, PasswordHash: h,
			Grants: map[string]store.Grant{collectionID: {Read: true}}})
		if err != nil {
			return fmt.Errorf("reader account %s: %w", name, err)
		}
		return nil
	}
	if !store.CheckPassword(acct.PasswordHash, password) {
		h, err := store.HashPassword(password)
		if err != nil {
			return fmt.Errorf("reader account %s: %w", name, err)
		}
		if err := db.SetPasswordHash(ctx, name, h); err != nil {
			return fmt.Errorf("reader account %s: %w", name, err)
		}
	}
	if g := acct.Grants[collectionID]; !g.Read || g.Write {
		err = db.SetGrant(ctx, name, collectionID, store.Grant{Read: true})
	}
	if err != nil {
		return fmt.Errorf("reader account %s: %w", name, err)
	}
	return nil
}

// dateAddedAt returns the date_added of the object version at this index
// (0-based) of the collection's date_added order, walking the index
// without reading object bytes.
func dateAddedAt(ctx context.Context, db store.Store, collectionID string, index int) (time.Time, error) {
	var after store.Position
	seen := 0
	for {
		page, err := db.Objects(ctx, collectionID, store.Query{After: after, Limit: 100_000, NoBytes: true})
		if err != nil {
			return time.Time{}, fmt.Errorf("walk collection %s: %w", collectionID, err)
		}
		if index < seen+len(page.Records) {
			return page.Records[index-seen].DateAdded, nil
		}
		seen += len(page.Records)
		if !page.More || len(page.Records) == 0 {
			return time.Time{}, fmt.Errorf("walk collection %s: only %d versions, no index %d", collectionID, seen, index)
		}
		after = page.Next
	}
}
