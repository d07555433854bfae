package postgres

import (
	"github.com/heraldcti/herald/store/internal/statusjson"

	"context"
	"errors"
	"fmt"
	"time"

	"github.com/heraldcti/herald/store"
	"github.com/jackc/pgx/v5"
)

// PutStatus stores or replaces the status with s.ID. An empty id, a
// status other than "complete" or "pending", a zero request time or
// negative counts give store.ErrBadParameter.
func (db *DB) PutStatus(ctx context.Context, s store.Status) error {
	if err := store.ValidateStatus(s); err != nil {
		return err
	}
	if !isText(s.ID) {
		return fmt.Errorf("put status: id %q is not UTF-8 text: %w", s.ID, store.ErrBadParameter)
	}
	v, err := statusjson.Encode(s)
	if err != nil {
		return fmt.Errorf("put status %s: %w", s.ID, err)
	}
	_, err = db.pool.Exec(ctx, `INSERT INTO statuses (id, request_us, body) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET request_us = excluded.request_us, body = excluded.body`,
		s.ID, s.RequestTime.UnixMicro(), v)
	if err != nil {
		return fmt.Errorf("put status %s: %w", s.ID, err)
	}
	return nil
}

func decodeStatus(b []byte) (store.Status, error) { return statusjson.Decode(b) }

// Status returns the status with this id, or store.ErrNotFound. Every
// replica sees every status.
func (db *DB) Status(ctx context.Context, id string) (store.Status, error) {
	if !isText(id) {
		return store.Status{}, fmt.Errorf("status %s: %w", id, store.ErrNotFound)
	}
	var b []byte
	err := db.pool.QueryRow(ctx, "SELECT body FROM statuses WHERE id = $1", id).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Status{}, fmt.Errorf("status %s: %w", id, err)
	}
	s, err := decodeStatus(b)
	if err != nil {
		return store.Status{}, fmt.Errorf("status %s: %w", id, err)
	}
	return s, nil
}

// PurgeStatuses deletes the statuses whose request time is before the
// given time (to the microsecond) and returns how many it deleted.
func (db *DB) PurgeStatuses(ctx context.Context, before time.Time) (int, error) {
	bound := microsAfter(before) - 1
	tag, err := db.pool.Exec(ctx, "DELETE FROM statuses WHERE request_us < $1", bound)
	if err != nil {
		return 0, fmt.Errorf("purge statuses: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
