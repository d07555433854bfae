package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/heraldcti/herald/store"
)

// CollectionCommand manages collections: add, list, rm.
type CollectionCommand struct{ m *Main }

const collectionUsage = `Usage:
	herald collection add --title T [--description D] [--alias A] [--public]
	herald collection list
	herald collection rm ID|TITLE|ALIAS

add creates a collection and prints its id (a UUIDv4) on stdout.
list prints id, alias, public-read and title, one collection a line.
rm deletes a collection with all its objects.
Each works on --db PATH or through --server URL (admin account).

Examples:
	herald collection add --title "Partner indicators" --alias partners
	herald collection add --title "Public advisories" --public
	herald collection list
	herald collection rm partners
	HERALD_USER=admin herald collection list --server http://127.0.0.1:8080
`

// Run dispatches to the subcommand.
func (c *CollectionCommand) Run(ctx context.Context, args []string) error {
	return dispatch(ctx, c.m, "collection", collectionUsage, []verb{
		{[]string{"add"}, c.add},
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
	if _, err := parseN(fs, args, 0, "collection add takes no arguments (use --title)"); err != nil {
		return err
	}
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

func (c *CollectionCommand) list(ctx context.Context, args []string) error {
	return withNoArgs(ctx, c.m, "collection list", collectionUsage, args, false, func(b backend) error {
		cs, err := b.Collections(ctx)
		if err != nil {
			return fmt.Errorf("list collections: %w", err)
		}
		tw := tabwriter.NewWriter(c.m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tALIAS\tPUBLIC\tTITLE")
		for _, col := range cs {
			alias := col.Alias
			if alias == "" {
				alias = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\n", col.ID, alias, col.PublicRead, col.Title)
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
