#!/usr/bin/env bash
# scripts/load-postgres.sh: Herald on bbolt next to Herald on PostgreSQL.
#
# For each collection size it builds a bbolt database with
# internal/loadprep, copies it into PostgreSQL with `herald copy` (same
# collection id, same date_added), and measures in one run:
#   - one 100-object page from the middle of the collection under wrk
#     (req/s and p99), bbolt and PostgreSQL, rounds interleaved;
#   - two replicas on the PostgreSQL database under two wrk at once
#     (their combined req/s);
#   - `herald import` of the collection's bundle into an empty bbolt file
#     and an empty PostgreSQL database (objects/s);
#   - `herald copy` bbolt -> PostgreSQL (versions/s).
# PostgreSQL runs durably (fsync and synchronous_commit on), in a
# throwaway cluster under $LOAD_DIR on a loopback port.
#
# Usage:  scripts/load-postgres.sh            (50k objects, 10 s per measurement)
#         SIZES="50000 1000000" scripts/load-postgres.sh
# Environment: SIZES, DURATION (10s), ROUNDS (2), WARMUP (2s, before the
#   first round of each target), THREADS (2), CONNS (16),
#   IMPORT_MAX (100000: sizes above it skip the import measurement, whose
#   bundle would be large),
#   LOAD_DIR (/tmp/herald-pgload), PG_BIN (newest /usr/lib/postgresql/*/bin).
# Needs wrk and PostgreSQL (apt-get install wrk postgresql). Everything it
# starts is stopped on exit. It shares its functions (herald serve, wrk,
# the PostgreSQL cluster) with scripts/load.sh in scripts/load-lib.sh;
# load.sh also measures Herald on PostgreSQL next to bbolt, with replicas
# under writes, but not import and copy.
set -euo pipefail

SIZES=${SIZES:-50000}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-2}
WARMUP=${WARMUP:-2s}
IMPORT_MAX=${IMPORT_MAX:-100000}
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
LOAD_DIR=${LOAD_DIR:-/tmp/herald-pgload}
while read -r v; do unset "$v"; done < <(compgen -e | grep '^HERALD_' || true)

readonly HOST=127.0.0.1
readonly ACCEPT='application/taxii+json;version=2.1'
readonly ADMIN_PASSWORD=load-admin-password
HERALD_LOG_LEVEL=warn
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$LOAD_DIR/bin
RUN_DIR=$LOAD_DIR # measure's wrk outputs
SCRIPT=load-postgres.sh
# shellcheck source=scripts/load-lib.sh
source "$REPO/scripts/load-lib.sh"
PG_BIN=${PG_BIN:-$(pg_find_bin)}
command -v wrk >/dev/null || die "wrk is missing (apt-get install wrk)"
[[ -n $PG_BIN && -x $PG_BIN/initdb ]] || die "PostgreSQL is missing (apt-get install postgresql)"

cleanup() {
	stop_all
	pg_stop
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

mkdir -p "$BIN"
log "building herald and loadprep"
(cd "$REPO" && go build -o "$BIN/herald" ./cmd/herald && go build -o "$BIN/loadprep" ./internal/loadprep)

pg_start "$LOAD_DIR/pg"

# serve DB: starts herald serve on a free port; sets URL.
serve() {
	start_herald "$1" "$LOAD_DIR/serve-$((${#PIDS[@]} + 1)).log"
	URL=$HERALD_URL
}

ROWS=()
for n in $SIZES; do
	bolt=$LOAD_DIR/bolt-$n.db
	"$BIN/loadprep" -db "$bolt" -objects "$n" >"$LOAD_DIR/loadprep-$n.out"
	cid=$(kv "$LOAD_DIR/loadprep-$n.out" collection_id)
	alias=$(kv "$LOAD_DIR/loadprep-$n.out" collection_alias)
	middle=$(kv "$LOAD_DIR/loadprep-$n.out" middle_added_after)

	pg_createdb "copy$n"
	t0=$(date +%s.%N)
	"$BIN/herald" copy --from "$bolt" --to "$(pg_url "copy$n")" 2>"$LOAD_DIR/copy-$n.log"
	t1=$(date +%s.%N)
	copy_rate=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n/(b-a)}')
	log "[$n] copy bbolt -> PostgreSQL: $copy_rate versions/s"

	# import: the collection as one bundle into an empty database of each kind
	imp_bolt=- imp_pg=-
	if ((n <= IMPORT_MAX)); then
		bundle=$LOAD_DIR/bundle-$n.json
		"$BIN/herald" export --db "$bolt" --collection "$alias" -o "$bundle"
		rm -f "$LOAD_DIR/import-$n.db"
		"$BIN/herald" collection add --db "$LOAD_DIR/import-$n.db" --title imp >/dev/null 2>&1
		t0=$(date +%s.%N)
		"$BIN/herald" import --db "$LOAD_DIR/import-$n.db" --collection imp "$bundle" 2>/dev/null
		t1=$(date +%s.%N)
		imp_bolt=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n/(b-a)}')
		pg_createdb "import$n"
		"$BIN/herald" collection add --db "$(pg_url "import$n")" --title imp >/dev/null 2>&1
		t0=$(date +%s.%N)
		"$BIN/herald" import --db "$(pg_url "import$n")" --collection imp "$bundle" 2>/dev/null
		t1=$(date +%s.%N)
		imp_pg=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n/(b-a)}')
		log "[$n] import: bbolt $imp_bolt objects/s, PostgreSQL $imp_pg objects/s"
		rm -f "$bundle" "$LOAD_DIR/import-$n.db"
	fi

	path="/herald/collections/$cid/objects/?limit=100&added_after=$middle"
	serve "$bolt"
	bolt_url=$URL
	serve "$(pg_url "copy$n")"
	pg1_url=$URL
	serve "$(pg_url "copy$n")"
	pg2_url=$URL
	fetch "$bolt_url$path" "$LOAD_DIR/page-bolt-$n.json"
	fetch "$pg1_url$path" "$LOAD_DIR/page-pg-$n.json"
	cmp -s "$LOAD_DIR/page-bolt-$n.json" "$LOAD_DIR/page-pg-$n.json" ||
		die "bbolt and PostgreSQL serve different bytes for the page"
	rb=() pb=() rp=() pp=()
	for ((r = 1; r <= ROUNDS; r++)); do
		measure "bolt-$n-r$r" "$bolt_url$path"
		rb+=("$RPS") pb+=("$P99")
		measure "pg-$n-r$r" "$pg1_url$path"
		rp+=("$RPS") pp+=("$P99")
	done
	# two replicas at once, each with half the connections
	wrk -t1 -c$((CONNS / 2)) --latency -H "Accept: $ACCEPT" -d"$DURATION" "$pg1_url$path" >"$LOAD_DIR/wrk-rep1-$n.txt" &
	w1=$!
	wrk -t1 -c$((CONNS / 2)) --latency -H "Accept: $ACCEPT" -d"$DURATION" "$pg2_url$path" >"$LOAD_DIR/wrk-rep2-$n.txt" &
	w2=$!
	wait "$w1" "$w2"
	both=$(awk '/^Requests\/sec:/ {s += $2} END {printf "%.0f", s}' "$LOAD_DIR/wrk-rep1-$n.txt" "$LOAD_DIR/wrk-rep2-$n.txt")
	log "[$n] two PostgreSQL replicas together: $both req/s"
	ROWS+=("| $n | bbolt | ${rb[*]} | ${pb[*]} | $imp_bolt | |")
	ROWS+=("| $n | PostgreSQL | ${rp[*]} | ${pp[*]} | $imp_pg | copy from bbolt: $copy_rate versions/s; two replicas together: $both req/s |")
	stop_all
done

echo "Page of 100 from the middle, wrk -t$THREADS -c$CONNS -d$DURATION, $ROUNDS rounds interleaved; $(date -u +%F), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| objects | backend | req/s per round | p99 ms per round | herald import objects/s | notes |"
echo "|---:|---|---|---|---:|---|"
printf '%s\n' "${ROWS[@]}"
