-- Herald schema 1: collections, object versions and their indexes,
-- statuses, accounts, grants, tokens, settings and the change
-- generation that replicas watch.

CREATE TABLE herald_settings (
	name  text PRIMARY KEY,
	value bytea NOT NULL
);

CREATE TABLE herald_kv (
	key   text PRIMARY KEY,
	value bytea NOT NULL
);

CREATE TABLE collections (
	num           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id            text NOT NULL UNIQUE,
	title         text NOT NULL,
	description   text NOT NULL,
	alias         text NOT NULL,
	media_types   text[] NOT NULL,
	public_read   boolean NOT NULL,
	created_ns    bigint NOT NULL,
	-- the largest date_added ever assigned (deleted versions included),
	-- NULL before the first; read and written under the row lock
	high_water    bigint,
	version_count bigint NOT NULL DEFAULT 0
);

-- Titles and aliases share one namespace.
CREATE TABLE collection_names (
	name text PRIMARY KEY,
	num  bigint NOT NULL REFERENCES collections (num) ON DELETE CASCADE
);
CREATE INDEX collection_names_num ON collection_names (num);

-- One row per stored object version. da is date_added in microseconds
-- since the epoch, unique within a collection. is_first and is_last mark
-- each object's default first and last version (among the versions with
-- its latest spec version), so the default queries walk a partial index
-- in which every entry is a result.
CREATE TABLE versions (
	coll     bigint NOT NULL,
	da       bigint NOT NULL,
	id       text NOT NULL,
	type     text NOT NULL,
	version  text NOT NULL,
	spec     text NOT NULL,
	spec_key bytea NOT NULL,
	ver_key  bytea NOT NULL,
	is_first boolean NOT NULL,
	is_last  boolean NOT NULL,
	json     bytea NOT NULL,
	PRIMARY KEY (coll, da),
	UNIQUE (coll, id, version)
);
CREATE INDEX versions_sorted ON versions (coll, id, spec_key, ver_key);
CREATE INDEX versions_type ON versions (coll, type, da);
CREATE INDEX versions_version ON versions (coll, version, da);
CREATE INDEX versions_last ON versions (coll, da) WHERE is_last;
CREATE INDEX versions_first ON versions (coll, da) WHERE is_first;
CREATE INDEX versions_type_last ON versions (coll, type, da) WHERE is_last;
CREATE INDEX versions_type_first ON versions (coll, type, da) WHERE is_first;
-- json is read whole and never searched: keep it out of compression.
ALTER TABLE versions ALTER COLUMN json SET STORAGE EXTERNAL;

CREATE TABLE statuses (
	id         text PRIMARY KEY,
	request_us bigint NOT NULL,
	body       bytea NOT NULL
);
CREATE INDEX statuses_request ON statuses (request_us);

CREATE TABLE accounts (
	name          text PRIMARY KEY,
	password_hash text NOT NULL,
	admin         boolean NOT NULL,
	created_ns    bigint NOT NULL
);

CREATE TABLE grants (
	account    text NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,
	collection text NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
	can_read   boolean NOT NULL,
	can_write  boolean NOT NULL,
	PRIMARY KEY (account, collection)
);
CREATE INDEX grants_collection ON grants (collection);

CREATE TABLE tokens (
	sha256     text PRIMARY KEY,
	account    text NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,
	pos        integer NOT NULL,
	token_id   text NOT NULL,
	created_ns bigint NOT NULL,
	UNIQUE (account, token_id)
);

-- The change generation: bumped (and announced on the herald_changes
-- channel) by every change to collections, accounts, grants and tokens,
-- so every replica drops what it cached about credentials and access.
CREATE TABLE herald_generation (
	one        boolean PRIMARY KEY DEFAULT true CHECK (one),
	generation bigint NOT NULL
);
INSERT INTO herald_generation VALUES (true, 1);

CREATE FUNCTION herald_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE g bigint;
BEGIN
	UPDATE herald_generation SET generation = generation + 1 RETURNING generation INTO g;
	PERFORM pg_notify('herald_changes', g::text);
	RETURN NULL;
END;
$$;

CREATE TRIGGER collections_changed AFTER INSERT OR UPDATE OF id, title, description, alias, media_types, public_read OR DELETE ON collections
	FOR EACH STATEMENT EXECUTE FUNCTION herald_bump_generation();
CREATE TRIGGER accounts_changed AFTER INSERT OR UPDATE OR DELETE ON accounts
	FOR EACH STATEMENT EXECUTE FUNCTION herald_bump_generation();
CREATE TRIGGER grants_changed AFTER INSERT OR UPDATE OR DELETE ON grants
	FOR EACH STATEMENT EXECUTE FUNCTION herald_bump_generation();
CREATE TRIGGER tokens_changed AFTER INSERT OR UPDATE OR DELETE ON tokens
	FOR EACH STATEMENT EXECUTE FUNCTION herald_bump_generation();
