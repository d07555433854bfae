-- A stamp of each collection's objects (store.ContentStamper): every
-- writer of a collection's versions sets it to a fresh value from the
-- sequence in the transaction that writes them, under the collection's
-- row lock, so it moves atomically with what it stamps and never returns
-- to a value a cache may hold. A new collection starts from a fresh value
-- too: one that reuses a deleted collection's id never matches the old
-- collection's stamps.
CREATE SEQUENCE content_stamps;
ALTER TABLE collections ADD COLUMN content_stamp bigint NOT NULL DEFAULT nextval('content_stamps');
