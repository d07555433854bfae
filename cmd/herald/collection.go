package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/taxii"
)

// CollectionCommand manages collections: add, update, list, rm.
type CollectionCommand struct{ m *Main }

const collectionUsage = `Usage:
	herald collection add --title T [--description D] [--alias A] [--public] [--on-conflict P]
	herald collection update ID|TITLE|ALIAS [--title T] [--description D] [--alias A] [--public=true|false] [--on-conflict P]
	herald collection list
	herald collection rm ID|TITLE|ALIAS

add creates a collection and prints its id (a UUIDv4) on stdout.
update changes the settings given and keeps the others (--alias "" removes
the alias).
list prints id, alias, public-read, conflict policy and title, one
collection a line.
rm deletes a collection with all its objects.

--on-conflict keep|replace|fail is what a TAXII add request (and, by
default, herald import) does with a version that is already stored with
different content: keep the stored one (the default), replace it (with a
new date_added, so polling clients receive it again), or write nothing of
the request. See herald import -h.
Each works on --db PATH or through --server URL (admin account).

Examples:
	herald collection add --title "Partner indicators" --alias partners
	herald collection add --title "Public advisories" --public
	herald collection add --title "ATT&CK for ICS" --alias ics --on-conflict replace
	herald collection update partners --on-conflict fail --public=false
	herald collection list
	herald collection rm partners
	HERALD_USER=admin herald collection list --server http://127.0.0.1:8080
`

// Run dispatches to the subcommand.
func (c *CollectionCommand) Run(ctx context.Context, args []string) error {
	return dispatch(ctx, c.m, "collection", collectionUsage, []verb{
		{[]string{"add"}, c.add},
		{[]string{"update", "set"}, c.update},
		{[]string{"list", "ls"}, c.list},
		{[]string{"rm", "remove", "delete"}, c.rm},
	}, args)
}

func (c *CollectionCommand) add(ctx context.Context, args []string) error {
	fs, data := c.m.dataFlagSet("collection add", collectionUsage)
	var coll store.Collection
	fs.StringVar(&coll.Title, "title", "", "the collection's `title` (unique)")
	fs.StringVar(&coll.Description, "description", "", "a `description`")
	fs.StringVar(&coll.Alias, "alias", "", "a short unique `alias` usable in URLs instead of the id")
	fs.BoolVar(&coll.PublicRead, "public", false, "anyone may read it, without an account")
	onConflict := fs.String("on-conflict", "keep", "a version stored with different content: `keep|replace|fail`")
	if _, err := parseN(fs, args, 0, "collection add takes no arguments (use --title)"); err != nil {
		return err
	}
	p, err := store.ParseConflictPolicy(*onConflict)
	if err != nil {
		return usagef("--on-conflict %q: want keep, replace or fail", *onConflict)
	}
	coll.OnConflict = p
	if strings.TrimSpace(coll.Title) == "" {
		return usagef("collection add: --title is required")
	}
	return data.with(ctx, c.m, true, func(b backend) error {
		created, err := b.CreateCollection(ctx, coll)
		if err != nil {
			return fmt.Errorf("add collection %q: %w", coll.Title, err)
		}
		fmt.Fprintln(c.m.Stdout, created.ID)
		fmt.Fprintf(c.m.Stderr, "created collection %q\n", created.Title)
		return nil
	})
}

func (c *CollectionCommand) update(ctx context.Context, args []string) error {
	fs, data := c.m.dataFlagSet("collection update", collectionUsage)
	title := fs.String("title", "", "a new `title` (unique)")
	description := fs.String("description", "", "a new `description`")
	alias := fs.String("alias", "", "a new `alias` (\"\" removes it)")
	public := fs.Bool("public", false, "anyone may read it, without an account (--public=false: only granted accounts)")
	onConflict := fs.String("on-conflict", "", "a version stored with different content: `keep|replace|fail`")
	pos, err := parseN(fs, args, 1, "collection update takes one collection (id, title or alias)")
	if err != nil {
		return err
	}
	var u taxii.AdminCollectionUpdate
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "title":
			u.Title = title
		case "description":
			u.Description = description
		case "alias":
			u.Alias = alias
		case "public":
			u.PublicRead = public
		case "on-conflict":
			u.OnConflict = onConflict
		}
	})
	if u.Title != nil && strings.TrimSpace(*u.Title) == "" {
		return usagef("collection update: --title must not be empty")
	}
	if u.OnConflict != nil {
		if _, err := store.ParseConflictPolicy(*u.OnConflict); err != nil || *u.OnConflict == "" {
			return usagef("--on-conflict %q: want keep, replace or fail", *u.OnConflict)
		}
	}
	if u == (taxii.AdminCollectionUpdate{}) {
		return usagef("collection update: nothing to change (give --title, --description, --alias, --public or --on-conflict)")
	}
	return data.with(ctx, c.m, false, func(b backend) error {
		col, err := b.UpdateCollection(ctx, pos[0], u)
		if err != nil {
			return fmt.Errorf("update collection %q: %w", pos[0], err)
		}
		fmt.Fprintf(c.m.Stderr, "updated collection %q (alias %q, public %v, on conflict %s)\n", col.Title, col.Alias, col.PublicRead, col.OnConflict)
		return nil
	})
}

func (c *CollectionCommand) list(ctx context.Context, args []string) error {
	return withNoArgs(ctx, c.m, "collection list", collectionUsage, args, false, func(b backend) error {
		cs, err := b.Collections(ctx)
		if err != nil {
			return fmt.Errorf("list collections: %w", err)
		}
		tw := tabwriter.NewWriter(c.m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tALIAS\tPUBLIC\tON-CONFLICT\tTITLE")
		for _, col := range cs {
			alias := col.Alias
			if alias == "" {
				alias = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\n", col.ID, alias, col.PublicRead, col.OnConflict, col.Title)
		}
		return tw.Flush()
	})
}

func (c *CollectionCommand) rm(ctx context.Context, args []string) error {
	fs, data := c.m.dataFlagSet("collection rm", collectionUsage)
	pos, err := parseN(fs, args, 1, "collection rm takes one collection (id, title or alias)")
	if err != nil {
		return err
	}
	return data.with(ctx, c.m, false, func(b backend) error {
		if err := b.DeleteCollection(ctx, pos[0]); err != nil {
			return fmt.Errorf("remove collection: %w", err)
		}
		fmt.Fprintf(c.m.Stderr, "removed collection %q\n", pos[0])
		return nil
	})
}
