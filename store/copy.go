package store

import (
	"context"
	"errors"
	"fmt"
)

// CopyProgress reports how far Copy has got.
type CopyProgress struct {
	Collections int
	Versions    int64
	Bytes       int64 // JSON bytes of the versions copied
	Statuses    int
	Accounts    int
}

// copyBatch bounds the versions (and their bytes) Copy holds before it
// hands them to the destination: memory stays flat whatever the size.
const (
	copyBatchVersions = 5000
	copyBatchBytes    = 16 << 20
)

// ErrNotEmpty: the destination of a copy already holds data.
var ErrNotEmpty = errors.New("destination database is not empty")

// Copy copies everything src holds into dst, which must be empty:
// collections with their ids and creation times, every version with its
// date_added and exact bytes, statuses, accounts with their grants and
// tokens, meta values and the token-signing secret. src must implement
// Dumper and dst Loader. It streams: versions go over in batches.
// progress, when not nil, is called after each batch and at the end.
func Copy(ctx context.Context, dst, src Store, progress func(CopyProgress)) error {
	dumper, ok := src.(Dumper)
	if !ok {
		return fmt.Errorf("copy: the source backend cannot dump its data: %w", ErrBadParameter)
	}
	loader, ok := dst.(Loader)
	if !ok {
		return fmt.Errorf("copy: the destination backend cannot load data: %w", ErrBadParameter)
	}
	colls, err := dst.Collections(ctx)
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	accounts, err := dst.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	if len(colls) > 0 || len(accounts) > 0 {
		return fmt.Errorf("copy: %w (%d collections, %d accounts); copy into a new database", ErrNotEmpty, len(colls), len(accounts))
	}
	var p CopyProgress
	report := func() {
		if progress != nil {
			progress(p)
		}
	}
	var coll string
	var batch []Record
	var batchBytes int
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := loader.LoadVersions(ctx, coll, batch); err != nil {
			return err
		}
		p.Versions += int64(len(batch))
		p.Bytes += int64(batchBytes)
		batch, batchBytes = batch[:0], 0
		report()
		return nil
	}
	err = dumper.Dump(ctx, func(it DumpItem) error {
		if it.Version == nil {
			if err := flush(); err != nil {
				return err
			}
		}
		switch {
		case it.TokenSecret != nil:
			return loader.SetTokenSecret(ctx, it.TokenSecret)
		case it.Collection != nil:
			if err := loader.LoadCollection(ctx, *it.Collection); err != nil {
				return err
			}
			coll = it.Collection.ID
			p.Collections++
		case it.Version != nil:
			batch = append(batch, *it.Version)
			batchBytes += len(it.Version.JSON)
			if len(batch) >= copyBatchVersions || batchBytes >= copyBatchBytes {
				return flush()
			}
		case it.Status != nil:
			if err := dst.PutStatus(ctx, *it.Status); err != nil {
				return err
			}
			p.Statuses++
		case it.Account != nil:
			if err := dst.CreateAccount(ctx, *it.Account); err != nil {
				return err
			}
			p.Accounts++
		case it.Meta != nil:
			return dst.SetMeta(ctx, it.Meta.Key, it.Meta.Value)
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	report()
	return nil
}
