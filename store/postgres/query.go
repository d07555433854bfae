package postgres

import (
	"github.com/heraldcti/herald/store/internal/querycheck"

	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/heraldcti/herald/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// querier is what a pool, a connection and a transaction share.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// plan is a validated, normalised store.Query.
type plan struct {
	lower    int64 // smallest date_added considered (inclusive)
	limit    int
	ids      []string // sorted, unique; nil: any
	types    []string // sorted, unique; nil: any
	all      bool
	first    bool
	last     bool
	explicit []string // explicit version strings
	specs    []string // nil: each object's latest spec version
	noBytes  bool
	after    store.Position
}

// parseQuery validates q with the rules (and messages) every backend
// shares (package querycheck).
func parseQuery(q store.Query, maxPage int) (plan, error) {
	c, err := querycheck.Check(q, maxPage)
	if err != nil {
		return plan{}, err
	}
	return plan{
		lower: c.Lower, limit: c.Limit, ids: c.IDs, types: c.Types,
		all: c.All, first: c.First, last: c.Last, explicit: c.Explicit,
		specs: c.Specs, noBytes: q.NoBytes, after: q.After,
	}, nil
}

// scanBudget bounds the candidates one page may examine and reject, as
// in the bbolt backend: the few plans that filter record by record (an
// explicit match[spec_version] with first/last, or older spec versions
// to skip under match[version]=all) stop after this many and return a
// shorter, possibly empty, page with More set and Next past what they
// examined.
func scanBudget(limit int) int { return max(10*limit, 10000) }

// sqlBuilder collects positional arguments.
type sqlBuilder struct{ args []any }

func (b *sqlBuilder) arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

// conditions splits a plan into the candidate condition (what an index
// walk yields, in date_added order) and the match condition (checked on
// each candidate). An empty match means every candidate matches (the
// walk is trusted and needs no scan budget). Both refer to the versions
// row as v.
func (p plan) conditions(b *sqlBuilder) (cand, match string) {
	var typeCond string
	if p.types != nil {
		typeCond = "v.type = ANY(" + b.arg(p.types) + "::text[])"
	}
	latestSpec := "NOT EXISTS (SELECT 1 FROM versions w WHERE w.coll = v.coll AND w.id = v.id AND w.spec_key > v.spec_key)"
	var specIn string
	if p.specs != nil {
		specIn = "v.spec = ANY(" + b.arg(p.specs) + "::text[])"
	}
	var explicitCond string
	if p.explicit != nil {
		explicitCond = "v.version = ANY(" + b.arg(p.explicit) + "::text[])"
	}
	and := func(parts ...string) string {
		var keep []string
		for _, s := range parts {
			if s != "" {
				keep = append(keep, "("+s+")")
			}
		}
		return strings.Join(keep, " AND ")
	}
	or := func(parts ...string) string {
		var keep []string
		for _, s := range parts {
			if s != "" {
				keep = append(keep, "("+s+")")
			}
		}
		if len(keep) == 0 {
			return "false"
		}
		return strings.Join(keep, " OR ")
	}
	pick := func(ok bool, s string) string {
		if ok {
			return s
		}
		return ""
	}
	var firstAmong, lastAmong string
	if p.specs != nil {
		// bytea has no min/max aggregate: take the end of the ordered list.
		amongSpecs := "SELECT w.ver_key FROM versions w WHERE w.coll = v.coll AND w.id = v.id AND " +
			strings.ReplaceAll(specIn, "v.spec", "w.spec") + " ORDER BY w.ver_key %s LIMIT 1"
		firstAmong = "v.ver_key = (" + fmt.Sprintf(amongSpecs, "ASC") + ")"
		lastAmong = "v.ver_key = (" + fmt.Sprintf(amongSpecs, "DESC") + ")"
	}
	// selection is the version rule on one row.
	var selection string
	switch {
	case p.all && p.specs == nil:
		selection = latestSpec
	case p.all:
		selection = specIn
	case p.specs == nil:
		selection = or(pick(p.first, "v.is_first"), pick(p.last, "v.is_last"), and(explicitCond, latestSpec))
	default:
		selection = and(specIn, or(explicitCond, pick(p.first, firstAmong), pick(p.last, lastAmong)))
	}
	switch {
	case p.ids != nil && p.all:
		return "v.id = ANY(" + b.arg(p.ids) + "::text[])", and(typeCond, selection)
	case p.ids != nil:
		// The candidates of each object are its first and last version
		// (under the spec-version rule) and its explicit versions; the
		// type and spec checks come after, as in the bbolt backend.
		firstCand, lastCand := "v.is_first", "v.is_last"
		if p.specs != nil {
			firstCand, lastCand = firstAmong, lastAmong
		}
		return and("v.id = ANY("+b.arg(p.ids)+"::text[])",
			or(pick(p.first, firstCand), pick(p.last, lastCand), explicitCond)), and(typeCond, selection)
	case p.all:
		return and(typeCond), selection
	case p.specs == nil:
		// The default first/last marks walk per type (trusted); explicit
		// versions come from the version index whatever their type.
		marks := and(typeCond, or(pick(p.first, "v.is_first"), pick(p.last, "v.is_last")))
		if p.explicit == nil {
			return marks, ""
		}
		if !p.first && !p.last {
			return explicitCond, and(typeCond, latestSpec)
		}
		return or(marks, explicitCond), and(typeCond, latestSpec)
	case p.first || p.last:
		return and(typeCond), selection
	default:
		return explicitCond, and(typeCond, specIn)
	}
}

// pageRow is one row of a page query.
type pageRow struct {
	da         int64
	ok         bool
	prev       int64 // date_added of the previous candidate (untrusted walks)
	hasPrev    bool
	rn         int64
	last       bool
	id, typ    []byte
	version    []byte
	spec, json []byte
}

// pageSQL builds the page query of a plan: trusted walks take limit+1
// rows of the candidate index walk; the others number the candidates,
// stop at the scan budget and return the matches plus the rows that tell
// where the walk stopped.
func pageSQL(collID string, p plan) (sql string, args []any, trusted bool) {
	b := &sqlBuilder{}
	collArg := b.arg(collID)
	lowerArg := b.arg(p.lower)
	cand, match := p.conditions(b)
	where := "v.coll = (SELECT num FROM collections WHERE id = " + collArg + ") AND v.da >= " + lowerArg
	if cand != "" {
		where += " AND (" + cand + ")"
	}
	jsonCol := "v.json"
	if p.noBytes {
		jsonCol = "NULL::bytea"
	}
	trusted = match == ""
	budget := scanBudget(p.limit)
	if trusted {
		sql = "SELECT v.da, v.id, v.type, v.version, v.spec, " + jsonCol +
			" FROM versions v WHERE " + where + " ORDER BY v.da LIMIT " + strconv.Itoa(p.limit+1)
		return sql, b.args, true
	}
	okJSON := "CASE WHEN c.ok THEN c.json END"
	if p.noBytes {
		okJSON = "NULL::bytea"
	}
	sql = "SELECT c.da, c.ok, c.prev, c.rn, c.last, c.id, c.type, c.version, c.spec, " + okJSON + ` FROM (
		SELECT v.da, v.id, v.type, v.version, v.spec, ` + jsonCol + ` AS json, (` + match + `) AS ok,
			row_number() OVER w AS rn, lag(v.da) OVER w AS prev, lead(v.da) OVER w IS NULL AS last
		FROM versions v WHERE ` + where + `
		WINDOW w AS (ORDER BY v.da)
		ORDER BY v.da LIMIT ` + strconv.Itoa(budget+1) + `
	) c WHERE c.ok OR c.rn >= ` + strconv.Itoa(budget) + ` OR c.last ORDER BY c.da LIMIT ` + strconv.Itoa(p.limit+4)
	return sql, b.args, false
}

// walk runs a plan on collection collID and hands each match to visit,
// with the same page semantics as the bbolt backend: at most limit
// matches, More when more remain, Next the position to resume from, and
// for untrusted walks a scan budget. The row's byte slices are valid
// only during visit.
func (db *DB) walk(ctx context.Context, collID string, p plan, visit func(r *pageRow) error) (store.PageInfo, error) {
	if !isText(collID) {
		return store.PageInfo{}, fmt.Errorf("collection %s: %w", collID, store.ErrNotFound)
	}
	sql, args, trusted := pageSQL(collID, p)
	budget := scanBudget(p.limit)
	rows, err := db.pool.Query(ctx, sql, args...)
	if err != nil {
		return store.PageInfo{}, err
	}
	defer rows.Close()
	info := store.PageInfo{Next: p.after}
	var r pageRow
	any := false
	for rows.Next() {
		any = true
		raw := rows.RawValues()
		fds := rows.FieldDescriptions()
		if trusted {
			r = pageRow{ok: true}
			if r.da, err = decodeInt8(fds[0], raw[0]); err != nil {
				return store.PageInfo{}, err
			}
			r.id, r.typ, r.version, r.spec = raw[1], raw[2], raw[3], raw[4]
			if r.json, err = decodeBytea(fds[5], raw[5]); err != nil {
				return store.PageInfo{}, err
			}
		} else {
			r = pageRow{}
			if r.da, err = decodeInt8(fds[0], raw[0]); err != nil {
				return store.PageInfo{}, err
			}
			if r.ok, err = decodeBool(fds[1], raw[1]); err != nil {
				return store.PageInfo{}, err
			}
			if raw[2] != nil {
				r.hasPrev = true
				if r.prev, err = decodeInt8(fds[2], raw[2]); err != nil {
					return store.PageInfo{}, err
				}
			}
			if r.rn, err = decodeInt8(fds[3], raw[3]); err != nil {
				return store.PageInfo{}, err
			}
			if r.last, err = decodeBool(fds[4], raw[4]); err != nil {
				return store.PageInfo{}, err
			}
			r.id, r.typ, r.version, r.spec = raw[5], raw[6], raw[7], raw[8]
			if r.json, err = decodeBytea(fds[9], raw[9]); err != nil {
				return store.PageInfo{}, err
			}
			if r.rn > int64(budget) {
				// A candidate beyond the budget exists.
				info.More = true
				break
			}
		}
		if r.ok {
			if info.Count == p.limit {
				info.More = true
				if !trusted && r.hasPrev && r.prev > int64(info.Next) {
					info.Next = store.Position(r.prev)
				}
				break
			}
			if p.noBytes {
				r.json = nil
			}
			if err := visit(&r); err != nil {
				return store.PageInfo{}, err
			}
			if info.Count == 0 {
				info.First = store.Position(r.da)
			}
			info.Last = store.Position(r.da)
			info.Count++
		}
		info.Next = store.Position(r.da)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return store.PageInfo{}, err
	}
	if !any {
		// An empty page: tell an empty result from a missing collection.
		if _, err := db.collectionNum(ctx, db.pool, collID); err != nil {
			return store.PageInfo{}, err
		}
	}
	return info, nil
}

// Objects returns one page of the object versions of a collection that
// match q, ascending by date_added, with the bbolt backend's semantics
// (see store.Query and store.Page). It fails with store.ErrNotFound for
// an unknown collection and store.ErrBadParameter for a malformed q.
func (db *DB) Objects(ctx context.Context, collectionID string, q store.Query) (store.Page, error) {
	p, err := parseQuery(q, db.maxPageSize)
	if err == nil {
		err = p.checkUTF8()
	}
	if err != nil {
		return store.Page{}, err
	}
	page := store.Page{Records: make([]store.Record, 0, min(p.limit, 128))}
	names := map[string]string{}
	intern := func(b []byte) string {
		if s, ok := names[string(b)]; ok {
			return s
		}
		s := string(b)
		if len(names) < 1024 {
			names[s] = s
		}
		return s
	}
	info, err := db.walk(ctx, collectionID, p, func(r *pageRow) error {
		spec := intern(r.spec)
		rec := store.Record{
			DateAdded:   time.UnixMicro(r.da).UTC(),
			ID:          string(r.id),
			Type:        intern(r.typ),
			Version:     string(r.version),
			SpecVersion: spec,
			MediaType:   mediaType(spec),
		}
		if !p.noBytes {
			rec.JSON = append([]byte(nil), r.json...)
		}
		page.Records = append(page.Records, rec)
		return nil
	})
	if err != nil {
		return store.Page{}, fmt.Errorf("query objects in %s: %w", collectionID, err)
	}
	page.More, page.Next = info.More, info.Next
	return page, nil
}

// ObjectsTo walks exactly the page Objects would return and calls emit
// with each version. The slices of store.RawVersion are valid only until
// emit returns. An error from emit stops the walk and is returned
// (wrapped).
func (db *DB) ObjectsTo(ctx context.Context, collectionID string, q store.Query, emit func(store.RawVersion) error) (store.PageInfo, error) {
	if emit == nil {
		return store.PageInfo{}, fmt.Errorf("query objects in %s: nil emit function: %w", collectionID, store.ErrBadParameter)
	}
	p, err := parseQuery(q, db.maxPageSize)
	if err == nil {
		err = p.checkUTF8()
	}
	if err != nil {
		return store.PageInfo{}, err
	}
	info, err := db.walk(ctx, collectionID, p, func(r *pageRow) error {
		return emit(store.RawVersion{DateAdded: store.Position(r.da), ID: r.id, Type: r.typ,
			Version: r.version, SpecVersion: r.spec, JSON: r.json})
	})
	if err != nil {
		return store.PageInfo{}, fmt.Errorf("query objects in %s: %w", collectionID, err)
	}
	return info, nil
}

// ObjectVersions returns one page of the versions of one object,
// ascending by date_added. It honours q.AddedAfter, q.SpecVersions,
// q.Limit, q.After and q.NoBytes.
func (db *DB) ObjectVersions(ctx context.Context, collectionID, objectID string, q store.Query) (store.Page, error) {
	if objectID == "" {
		return store.Page{}, fmt.Errorf("object versions: empty object id: %w", store.ErrBadParameter)
	}
	q.IDs = []string{objectID}
	q.Types = nil
	q.Versions = []string{store.VersionAll}
	return db.Objects(ctx, collectionID, q)
}

// ObjectExists reports whether the collection holds any version of the
// object. store.ErrNotFound means the collection does not exist.
func (db *DB) ObjectExists(ctx context.Context, collectionID, objectID string) (bool, error) {
	if !isText(objectID) {
		// Nothing stored has this id; the collection decides the error.
		_, err := db.collectionNum(ctx, db.pool, collectionID)
		if err != nil {
			return false, fmt.Errorf("object %s in %s: %w", objectID, collectionID, err)
		}
		return false, nil
	}
	if !isText(collectionID) {
		return false, fmt.Errorf("object %s in %s: %w", objectID, collectionID, store.ErrNotFound)
	}
	var num *int64
	var ok bool
	err := db.pool.QueryRow(ctx, `SELECT c.num, EXISTS (SELECT 1 FROM versions v WHERE v.coll = c.num AND v.id = $2)
		FROM (SELECT 1) one LEFT JOIN collections c ON c.id = $1`, collectionID, objectID).Scan(&num, &ok)
	if err == nil && num == nil {
		err = store.ErrNotFound
	}
	if err != nil {
		return false, fmt.Errorf("object %s in %s: %w", objectID, collectionID, err)
	}
	return ok, nil
}

// LastDateAdded is the date_added of the newest version in the
// collection, or the zero time when it is empty.
func (db *DB) LastDateAdded(ctx context.Context, collectionID string) (time.Time, error) {
	if !isText(collectionID) {
		return time.Time{}, fmt.Errorf("last date added in %s: %w", collectionID, store.ErrNotFound)
	}
	var num, da *int64
	err := db.pool.QueryRow(ctx, `SELECT c.num, (SELECT max(v.da) FROM versions v WHERE v.coll = c.num)
		FROM (SELECT 1) one LEFT JOIN collections c ON c.id = $1`, collectionID).Scan(&num, &da)
	if err == nil && num == nil {
		err = store.ErrNotFound
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("last date added in %s: %w", collectionID, err)
	}
	if da == nil {
		return time.Time{}, nil
	}
	return time.UnixMicro(*da).UTC(), nil
}

// CountVersions is the number of object versions in the collection,
// from a counter kept with the versions (O(1)).
func (db *DB) CountVersions(ctx context.Context, collectionID string) (int, error) {
	if !isText(collectionID) {
		return 0, fmt.Errorf("count versions in %s: %w", collectionID, store.ErrNotFound)
	}
	var n int64
	err := db.pool.QueryRow(ctx, "SELECT version_count FROM collections WHERE id = $1", collectionID).Scan(&n)
	if err == pgx.ErrNoRows {
		err = store.ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("count versions in %s: %w", collectionID, err)
	}
	return int(n), nil
}

// mediaType is the STIX media type of a spec version.
func mediaType(spec string) string {
	switch spec {
	case "2.1":
		return "application/stix+json;version=2.1"
	case "2.0":
		return "application/stix+json;version=2.0"
	}
	return "application/stix+json;version=" + spec
}

// microsAfter is querycheck.MicrosAfter (shared by every backend).
func microsAfter(t time.Time) int64 { return querycheck.MicrosAfter(t) }
