package bolt

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	bbolt "go.etcd.io/bbolt"
)

// versionReader finds every present key and no absent one, whatever the
// gaps between successive lookups (stepping with Next for short gaps,
// seeking for long ones, past either end), across bbolt pages.
func TestVersionReaderFindsExactlyThePresentKeys(t *testing.T) {
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "v.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Keys 0, 3, 6, ... 2997: enough values to span many leaf pages.
	present := func(da int64) bool { return da >= 0 && da < 3000 && da%3 == 0 }
	err = db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte("v"))
		if err != nil {
			return err
		}
		for da := int64(0); da < 3000; da += 3 {
			if err := b.Put(daKey(da), fmt.Appendf(nil, "version %d", da)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []int64{1, 2, 3, 4, 6, 11, 12, 13, 14, 15, 16, 40, 997} {
		for _, start := range []int64{-5, 0, 1, 2} {
			t.Run(fmt.Sprintf("step %d from %d", step, start), func(t *testing.T) {
				err := db.View(func(tx *bbolt.Tx) error {
					vr := versionReader{cur: tx.Bucket([]byte("v")).Cursor()}
					for da := start; da < 3010; da += step {
						v := vr.get(da)
						switch {
						case present(da) && !bytes.Equal(v, fmt.Appendf(nil, "version %d", da)):
							return fmt.Errorf("get(%d) = %q, want its version", da, v)
						case !present(da) && v != nil:
							return fmt.Errorf("get(%d) = %q for an absent key", da, v)
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}
