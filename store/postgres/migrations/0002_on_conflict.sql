-- What a TAXII add request (and, by default, an import) does with a
-- version already stored with other content: keep, replace or fail
-- (store.ConflictPolicy). Collections created before read as keep.
ALTER TABLE collections ADD COLUMN on_conflict text NOT NULL DEFAULT 'keep';
