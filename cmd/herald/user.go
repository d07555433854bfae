package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/taxii"
)

// UserCommand manages accounts: add, list, rm, passwd, grant and bearer
// API tokens.
type UserCommand struct{ m *Main }

const userUsage = `Usage:
	herald user add NAME [--admin] [--password-stdin]
	herald user list
	herald user rm NAME
	herald user passwd NAME [--password-stdin]
	herald user grant NAME --collection ID|TITLE|ALIAS [--read] [--write]
	herald user token add NAME
	herald user token list NAME
	herald user token rm NAME TOKEN-ID

Passwords are never taken from a flag: they are read from the terminal
(twice, without echo) or, with --password-stdin, from the first line of
stdin. grant sets the account's access to one collection; with neither
--read nor --write it removes the access. A token is printed once on
stdout; the server keeps only its SHA-256. Use it as
"Authorization: Bearer TOKEN" or in HERALD_TOKEN.
Each works on --db PATH or through --server URL (admin account).

Examples:
	herald user add alice
	echo "$CI_PASSWORD" | herald user add ci --password-stdin
	herald user add root --admin
	herald user grant alice --collection partners --read --write
	herald user passwd alice
	herald user list
	herald user token add ci
	herald user rm alice
`

// Run dispatches to the subcommand.
func (c *UserCommand) Run(ctx context.Context, args []string) error {
	return dispatch(ctx, c.m, "user", userUsage, []verb{
		{[]string{"add"}, c.add},
		{[]string{"list", "ls"}, c.list},
		{[]string{"rm", "remove", "delete"}, c.rm},
		{[]string{"passwd", "password"}, c.passwd},
		{[]string{"grant"}, c.grant},
		{[]string{"token", "tokens"}, c.token},
	}, args)
}

// validName checks an account name with the server's rule.
func validName(name string) error {
	if err := taxii.CheckAccountName(name); err != nil {
		return usagef("%v", err)
	}
	return nil
}

func (c *UserCommand) add(ctx context.Context, args []string) error {
	fs, data := c.m.dataFlagSet("user add", userUsage)
	admin := fs.Bool("admin", false, "the account may do everything, including the admin API")
	stdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	pos, err := parseN(fs, args, 1, "user add takes one account name")
	if err != nil {
		return err
	}
	if err := validName(pos[0]); err != nil {
		return err
	}
	password, err := c.m.newPassword(*stdin, pos[0])
	if err != nil {
		return err
	}
	return data.with(ctx, c.m, true, func(b backend) error {
		if err := b.CreateAccount(ctx, pos[0], password, *admin); err != nil {
			return fmt.Errorf("add account %q: %w", pos[0], err)
		}
		fmt.Fprintf(c.m.Stderr, "created account %q\n", pos[0])
		return nil
	})
}

func (c *UserCommand) list(ctx context.Context, args []string) error {
	return withNoArgs(ctx, c.m, "user list", userUsage, args, false, func(b backend) error {
		as, err := b.Accounts(ctx)
		if err != nil {
			return fmt.Errorf("list accounts: %w", err)
		}
		titles := map[string]string{}
		if cs, err := b.Collections(ctx); err == nil {
			for _, col := range cs {
				titles[col.ID] = col.Title
			}
		}
		tw := tabwriter.NewWriter(c.m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tADMIN\tTOKENS\tGRANTS")
		for _, a := range as {
			fmt.Fprintf(tw, "%s\t%v\t%d\t%s\n", a.Name, a.Admin, len(a.Tokens), formatGrants(a.Grants, titles))
		}
		return tw.Flush()
	})
}

// formatGrants writes grants as "title(rw), other(r)", sorted, or "-".
func formatGrants(grants map[string]store.Grant, titles map[string]string) string {
	var parts []string
	for id, g := range grants {
		name := titles[id]
		if name == "" {
			name = id
		}
		mode := ""
		if g.Read {
			mode += "r"
		}
		if g.Write {
			mode += "w"
		}
		parts = append(parts, fmt.Sprintf("%s(%s)", name, mode))
	}
	if len(parts) == 0 {
		return "-"
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

func (c *UserCommand) rm(ctx context.Context, args []string) error {
	fs, data := c.m.dataFlagSet("user rm", userUsage)
	pos, err := parseN(fs, args, 1, "user rm takes one account name")
	if err != nil {
		return err
	}
	return data.with(ctx, c.m, false, func(b backend) error {
		if err := b.DeleteAccount(ctx, pos[0]); err != nil {
			return fmt.Errorf("remove account: %w", err)
		}
		fmt.Fprintf(c.m.Stderr, "removed account %q\n", pos[0])
		return nil
	})
}

func (c *UserCommand) passwd(ctx context.Context, args []string) error {
	fs, data := c.m.dataFlagSet("user passwd", userUsage)
	stdin := fs.Bool("password-stdin", false, "read the new password from the first line of stdin")
	pos, err := parseN(fs, args, 1, "user passwd takes one account name")
	if err != nil {
		return err
	}
	password, err := c.m.newPassword(*stdin, pos[0])
	if err != nil {
		return err
	}
	return data.with(ctx, c.m, false, func(b backend) error {
		if err := b.SetPassword(ctx, pos[0], password); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		fmt.Fprintf(c.m.Stderr, "changed the password of %q\n", pos[0])
		return nil
	})
}

func (c *UserCommand) grant(ctx context.Context, args []string) error {
	fs, data := c.m.dataFlagSet("user grant", userUsage)
	coll := fs.String("collection", "", "the collection (`id, title or alias`)")
	var g store.Grant
	fs.BoolVar(&g.Read, "read", false, "may read the collection")
	fs.BoolVar(&g.Write, "write", false, "may add objects to the collection")
	pos, err := parseN(fs, args, 1, "user grant takes one account name")
	if err != nil {
		return err
	}
	if *coll == "" {
		return usagef("user grant: --collection is required")
	}
	return data.with(ctx, c.m, false, func(b backend) error {
		if err := b.Grant(ctx, pos[0], *coll, g); err != nil {
			return fmt.Errorf("grant: %w", err)
		}
		fmt.Fprintf(c.m.Stderr, "%q may now on %q: read=%v write=%v\n", pos[0], *coll, g.Read, g.Write)
		return nil
	})
}

// tokenArgs is how many arguments each token subcommand takes.
var tokenArgs = map[string]int{"add": 1, "list": 1, "ls": 1, "rm": 2}

func (c *UserCommand) token(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("user token: missing subcommand (add, list or rm)")
	}
	sub, args := args[0], args[1:]
	n, ok := tokenArgs[sub]
	if !ok {
		return usagef("user token: unknown subcommand %q (add, list or rm)", sub)
	}
	fs, data := c.m.dataFlagSet("user token "+sub, userUsage)
	pos, err := parseN(fs, args, n, fmt.Sprintf("user token %s takes %d argument(s)", sub, n))
	if err != nil {
		return err
	}
	return data.with(ctx, c.m, false, func(b backend) error {
		switch sub {
		case "add":
			id, secret, err := b.AddToken(ctx, pos[0])
			if err != nil {
				return fmt.Errorf("add token: %w", err)
			}
			fmt.Fprintln(c.m.Stdout, secret)
			fmt.Fprintf(c.m.Stderr, "created token %s for %q; it is shown only this once\n", id, pos[0])
			return nil
		case "rm":
			if err := b.DeleteToken(ctx, pos[0], pos[1]); err != nil {
				return fmt.Errorf("remove token: %w", err)
			}
			fmt.Fprintf(c.m.Stderr, "removed token %s of %q\n", pos[1], pos[0])
			return nil
		}
		as, err := b.Accounts(ctx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(as, func(a account) bool { return a.Name == pos[0] })
		if i < 0 {
			return fmt.Errorf("account %q: %w", pos[0], store.ErrNotFound)
		}
		tw := tabwriter.NewWriter(c.m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tCREATED")
		for _, t := range as[i].Tokens {
			fmt.Fprintf(tw, "%s\t%s\n", t.ID, t.Created.UTC().Format("2006-01-02T15:04:05Z"))
		}
		return tw.Flush()
	})
}
