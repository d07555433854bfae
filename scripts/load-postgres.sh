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
# Environment: SIZES, DURATION (10s), ROUNDS (2), THREADS (2), CONNS (16),
#   IMPORT_MAX (100000: sizes above it skip the import measurement, whose
#   bundle would be large),
#   LOAD_DIR (/tmp/herald-pgload), PG_BIN (newest /usr/lib/postgresql/*/bin).
# Needs wrk and PostgreSQL (apt-get install wrk postgresql). Everything it
# starts is stopped on exit.
set -euo pipefail

SIZES=${SIZES:-50000}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-2}
IMPORT_MAX=${IMPORT_MAX:-100000}
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
LOAD_DIR=${LOAD_DIR:-/tmp/herald-pgload}
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
while read -r v; do unset "$v"; done < <(compgen -e | grep '^HERALD_' || true)
unset PGPASSWORD PGHOST PGPORT PGUSER PGDATABASE

readonly HOST=127.0.0.1
readonly ACCEPT='application/taxii+json;version=2.1'
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$LOAD_DIR/bin
log() { printf 'load-postgres.sh: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}
command -v wrk >/dev/null || die "wrk is missing (apt-get install wrk)"
[[ -x $PG_BIN/initdb ]] || die "PostgreSQL is missing (apt-get install postgresql)"

PIDS=()
PGDATA=$LOAD_DIR/pg
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	[[ -f $PGDATA/postmaster.pid ]] && as_pg "$PG_BIN/pg_ctl" stop -m fast -D "$PGDATA" >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

as_pg() {
	if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

mkdir -p "$BIN"
log "building herald and loadprep"
(cd "$REPO" && go build -o "$BIN/herald" ./cmd/herald && go build -o "$BIN/loadprep" ./internal/loadprep)

rm -rf "$PGDATA"
mkdir -p "$PGDATA"
[[ $(id -u) == 0 ]] && chown postgres "$PGDATA" "$LOAD_DIR"
as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
PGPORT=$(free_port)
as_pg "$PG_BIN/pg_ctl" start -w -D "$PGDATA" -l "$PGDATA/log" \
	-o "-p $PGPORT -k $PGDATA -c listen_addresses=$HOST -c shared_buffers=256MB -c max_connections=100" >/dev/null
pgurl() { echo "postgres://postgres@$HOST:$PGPORT/$1?sslmode=disable"; }
createdb_() { as_pg "$PG_BIN/createdb" -h "$PGDATA" -p "$PGPORT" -U postgres "$1"; }

# serve DB: starts herald serve on a free port; sets URL and pushes the pid.
serve() {
	local port
	port=$(free_port)
	HERALD_LOG_LEVEL=warn HERALD_ADMIN_PASSWORD=load-admin-password "$BIN/herald" serve --db "$1" --addr "$HOST:$port" 2>>"$LOAD_DIR/serve.log" &
	PIDS+=($!)
	URL=http://$HOST:$port
	for _ in $(seq 100); do curl -fsS -o /dev/null "$URL/taxii2/" 2>/dev/null && return; sleep 0.1; done
	die "herald serve --db $1 did not start (see $LOAD_DIR/serve.log)"
}

# measure NAME URL [wrk args]: sets RPS and P99 (ms).
measure() {
	local out=$LOAD_DIR/wrk-$1.txt
	wrk -t"$THREADS" -c"$CONNS" --latency --timeout 10s -H "Accept: $ACCEPT" -d"$DURATION" "$2" >"$out"
	grep -q 'Non-2xx' "$out" && die "$1: non-2xx responses (see $out)"
	RPS=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
	P99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; printf "%.2f", v}' "$out")
	log "$1: $RPS req/s, p99 $P99 ms"
}

ROWS=()
for n in $SIZES; do
	bolt=$LOAD_DIR/bolt-$n.db
	"$BIN/loadprep" -db "$bolt" -objects "$n" >"$LOAD_DIR/loadprep-$n.out"
	cid=$(sed -n 's/^collection_id=//p' "$LOAD_DIR/loadprep-$n.out")
	alias=$(sed -n 's/^collection_alias=//p' "$LOAD_DIR/loadprep-$n.out")
	middle=$(sed -n 's/^middle_added_after=//p' "$LOAD_DIR/loadprep-$n.out")

	createdb_ "copy$n"
	t0=$(date +%s.%N)
	"$BIN/herald" copy --from "$bolt" --to "$(pgurl "copy$n")" 2>"$LOAD_DIR/copy-$n.log"
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
		createdb_ "import$n"
		"$BIN/herald" collection add --db "$(pgurl "import$n")" --title imp >/dev/null 2>&1
		t0=$(date +%s.%N)
		"$BIN/herald" import --db "$(pgurl "import$n")" --collection imp "$bundle" 2>/dev/null
		t1=$(date +%s.%N)
		imp_pg=$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n/(b-a)}')
		log "[$n] import: bbolt $imp_bolt objects/s, PostgreSQL $imp_pg objects/s"
		rm -f "$bundle" "$LOAD_DIR/import-$n.db"
	fi

	path="/herald/collections/$cid/objects/?limit=100&added_after=$middle"
	serve "$bolt"
	bolt_url=$URL
	serve "$(pgurl "copy$n")"
	pg_url=$URL
	serve "$(pgurl "copy$n")"
	pg2_url=$URL
	cmp -s <(curl -fsS -H "Accept: $ACCEPT" "$bolt_url$path") <(curl -fsS -H "Accept: $ACCEPT" "$pg_url$path") ||
		die "bbolt and PostgreSQL serve different bytes for the page"
	wrk -t1 -c4 -d2s -H "Accept: $ACCEPT" "$bolt_url$path" >/dev/null
	wrk -t1 -c4 -d2s -H "Accept: $ACCEPT" "$pg_url$path" >/dev/null
	rb=() pb=() rp=() pp=()
	for ((r = 1; r <= ROUNDS; r++)); do
		measure "bolt-$n-r$r" "$bolt_url$path"
		rb+=("$RPS") pb+=("$P99")
		measure "pg-$n-r$r" "$pg_url$path"
		rp+=("$RPS") pp+=("$P99")
	done
	# two replicas at once, each with half the connections
	wrk -t1 -c$((CONNS / 2)) --latency -H "Accept: $ACCEPT" -d"$DURATION" "$pg_url$path" >"$LOAD_DIR/wrk-rep1-$n.txt" &
	w1=$!
	wrk -t1 -c$((CONNS / 2)) --latency -H "Accept: $ACCEPT" -d"$DURATION" "$pg2_url$path" >"$LOAD_DIR/wrk-rep2-$n.txt" &
	w2=$!
	wait "$w1" "$w2"
	both=$(awk '/^Requests\/sec:/ {s += $2} END {printf "%.0f", s}' "$LOAD_DIR/wrk-rep1-$n.txt" "$LOAD_DIR/wrk-rep2-$n.txt")
	log "[$n] two PostgreSQL replicas together: $both req/s"
	ROWS+=("| $n | bbolt | ${rb[*]} | ${pb[*]} | $imp_bolt | |")
	ROWS+=("| $n | PostgreSQL | ${rp[*]} | ${pp[*]} | $imp_pg | copy from bbolt: $copy_rate versions/s; two replicas together: $both req/s |")
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	PIDS=()
done

echo "Page of 100 from the middle, wrk -t$THREADS -c$CONNS -d$DURATION, $ROUNDS rounds interleaved; $(date -u +%F), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| objects | backend | req/s per round | p99 ms per round | herald import objects/s | notes |"
echo "|---:|---|---|---|---:|---|"
printf '%s\n' "${ROWS[@]}"
