package main

// The storage backends this binary ships. Each registers itself with
// store.Register in its init; store.Open then picks one by the --db value.
import (
	_ "github.com/heraldcti/herald/store/bolt"     // --db PATH: a bbolt file
	_ "github.com/heraldcti/herald/store/postgres" // --db postgres://…: PostgreSQL
)
