// Package storetest is the conformance suite of store.Store: one test per
// promise of the interface, run by every backend's own tests against a
// real database of that backend, so that every backend keeps the same
// promises:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, opts *store.Options) store.Store {
//			db, err := bolt.Open(filepath.Join(t.TempDir(), "herald.db"), opts)
//			if err != nil {
//				t.Fatal(err)
//			}
//			return db
//		})
//	}
//
// Every test opens its own empty database, and checks it (Check must find
// no problem) and closes it when it ends. The tests are about the
// contract, never about one backend: the filters of TAXII 2.1 §3.4.1
// against a brute-force reference, paging while writers add more,
// date_added unique and increasing (100,000 versions in one call,
// concurrent writers), re-imported versions (JSON-equal is unchanged;
// keep, replace and fail on a real difference), first/last by instant,
// delete by version, status
// expiry, accounts, grants and tokens, and the account rules under
// concurrent callers.
//
// Files: accounts.go (accounts, tokens, meta and the atomic account
// operations), collections.go, put.go, conflict.go (re-imports: JSON-equal
// versions and the conflict policies), filters.go and reference.go (the
// filter table and the brute-force reference), paging.go, objectsto.go,
// delete.go, statuses.go, concurrency.go, fuzz.go (FuzzQuery, for a
// backend's fuzz target), helpers.go.
package storetest

import (
	"testing"

	"github.com/heraldcti/herald/store"
)

// Opener opens a new, empty database of the backend under test with these
// options (nil: defaults). It fails t when it cannot. The suite closes the
// store; the Opener cleans up whatever else it made (t.TempDir does for a
// file).
type Opener func(t *testing.T, opts *store.Options) store.Store

// tests is the suite, in the order Run runs it.
var tests = []struct {
	name string
	fn   func(*testing.T, Opener)
}{
	{"CreateCollection", testCreateCollection},
	{"CollectionNamesAreUnique", testCollectionNamesAreUnique},
	{"UpdateCollection", testUpdateCollection},
	{"CollectionsSortedByID", testCollectionsSortedByID},
	{"DeleteCollection", testDeleteCollection},
	{"PutObjectsOutcomes", testPutObjectsOutcomes},
	{"PutObjectsDateAddedUniqueAndIncreasing", testPutObjectsDateAddedUniqueAndIncreasing},
	{"PutObjectsDateAddedNeverReusedAfterDelete", testPutObjectsDateAddedNeverReusedAfterDelete},
	{"PutObjectsRejectsBadObjects", testPutObjectsRejectsBadObjects},
	{"PutObjectsUnknownCollection", testPutObjectsUnknownCollection},
	{"PutObjectsCancelledContext", testPutObjectsCancelledContext},
	{"PutObjectsEffectiveSpecVersion", testPutObjectsEffectiveSpecVersion},
	{"PutObjectsJSONEqualIsUnchanged", testPutObjectsJSONEqualIsUnchanged},
	{"PutObjectsConflictKeep", testPutObjectsConflictKeep},
	{"PutObjectsConflictReplace", testPutObjectsConflictReplace},
	{"PutObjectsConflictFail", testPutObjectsConflictFail},
	{"CollectionConflictPolicy", testCollectionConflictPolicy},
	{"ConcurrentWritersGetUniqueDateAdded", testConcurrentWritersGetUniqueDateAdded},
	{"CancelledContext", testCancelledContext},
	{"ObjectsFilters", testObjectsFilters},
	{"ObjectsPageLimitAndNext", testObjectsPageLimitAndNext},
	{"ObjectsLimitCappedByMaxPageSize", testObjectsLimitCappedByMaxPageSize},
	{"ObjectsRejectsMalformedQueries", testObjectsRejectsMalformedQueries},
	{"ObjectsUnknownCollection", testObjectsUnknownCollection},
	{"ObjectVersions", testObjectVersions},
	{"ObjectExistsAndCounts", testObjectExistsAndCounts},
	{"ObjectsToMatchesObjects", testObjectsToMatchesObjects},
	{"ObjectsToEmitErrorAbortsWalk", testObjectsToEmitErrorAbortsWalk},
	{"ObjectsToErrors", testObjectsToErrors},
	{"PagingWhileWriting", testPagingWhileWriting},
	{"DeleteObject", testDeleteObject},
	{"DeleteObjectErrors", testDeleteObjectErrors},
	{"StatusRoundTripAndReplace", testStatusRoundTripAndReplace},
	{"PurgeStatuses", testPurgeStatuses},
	{"PutStatusRejectsBadStatus", testPutStatusRejectsBadStatus},
	{"Accounts", testAccounts},
	{"CreateAccountRejectsBadAccounts", testCreateAccountRejectsBadAccounts},
	{"AccountOperations", testAccountOperations},
	{"LastAdmin", testLastAdmin},
	{"LastAdminConcurrent", testLastAdminConcurrent},
	{"ConcurrentAccountChanges", testConcurrentAccountChanges},
	{"TokenSecretAndMeta", testTokenSecretAndMeta},
	{"VersionsAsObjectsGrowAndShrink", testVersionsAsObjectsGrowAndShrink},
	{"TypeNotNamedByID", testTypeNotNamedByID},
	{"ContentStampMoves", testContentStampMoves},
	{"ContentStampExact", testContentStampExact},
	{"ContentStampPerCollection", testContentStampPerCollection},
}

// Run runs the whole suite against the backend that open opens, each test
// as a subtest of t with its own database.
func Run(t *testing.T, open Opener) {
	t.Helper()
	if open == nil {
		t.Fatal("storetest.Run: nil Opener")
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}
