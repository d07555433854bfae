package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/heraldcti/herald/store"
	"github.com/jackc/pgx/v5"
)

// ExplainPage returns the plans PostgreSQL makes for the page query of q:
// the custom plan for these values and the generic plan a prepared
// statement falls back to after a few executions.
func (db *DB) ExplainPage(ctx context.Context, collID string, q store.Query) (custom, generic string, err error) {
	p, err := parseQuery(q, db.maxPageSize)
	if err != nil {
		return "", "", err
	}
	sql, args, _ := pageSQL(collID, p)
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return "", "", err
	}
	defer conn.Release()
	read := func(rows pgx.Rows, err error) (string, error) {
		if err != nil {
			return "", err
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		return strings.Join(lines, "\n"), err
	}
	if custom, err = read(conn.Query(ctx, "EXPLAIN "+sql, args...)); err != nil {
		return "", "", fmt.Errorf("explain: %w", err)
	}
	var types, values []string
	for _, a := range args {
		switch v := a.(type) {
		case string:
			types, values = append(types, "text"), append(values, quote(v))
		case int64:
			types, values = append(types, "bigint"), append(values, fmt.Sprint(v))
		case []string:
			var qs []string
			for _, s := range v {
				qs = append(qs, quote(s))
			}
			types, values = append(types, "text[]"), append(values, "ARRAY["+strings.Join(qs, ",")+"]::text[]")
		default:
			return "", "", fmt.Errorf("explain: argument of type %T", a)
		}
	}
	if _, err := conn.Exec(ctx, "PREPARE herald_explain("+strings.Join(types, ",")+") AS "+sql); err != nil {
		return "", "", fmt.Errorf("prepare: %w", err)
	}
	defer conn.Exec(context.Background(), "DEALLOCATE herald_explain")
	if _, err := conn.Exec(ctx, "SET plan_cache_mode = force_generic_plan"); err != nil {
		return "", "", err
	}
	defer conn.Exec(context.Background(), "RESET plan_cache_mode")
	if generic, err = read(conn.Query(ctx, "EXPLAIN EXECUTE herald_explain("+strings.Join(values, ",")+")", pgx.QueryExecModeSimpleProtocol)); err != nil {
		return "", "", fmt.Errorf("explain generic: %w", err)
	}
	return custom, generic, nil
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
