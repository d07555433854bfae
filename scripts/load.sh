#!/usr/bin/env bash
# scripts/load.sh: how fast does Herald serve a 100-object page, next to
# nginx serving the very same response bytes as a static file?
#
# For each collection size (10k and 1M objects) it builds (or reuses) a
# database with internal/loadprep, starts `herald serve`, nginx and a bare
# Go net/http server on loopback ports, fetches one 100-object page from
# the middle of the collection, gives nginx and the bare server those exact
# bytes, and runs wrk against
#   herald, anonymous        (the collection is public-read)
#   herald, Basic auth       (a reader account with a read grant)
#   herald, bearer token     (a token of that reader, made for the run)
#   herald, first page and deep page (added_after near the end), anonymous
#   herald on PostgreSQL     (a `herald copy` of that database in a throwaway
#                            cluster; two replicas): anonymous, Basic, bearer
#                            token, and anonymous on replica 1 while a writer
#                            POSTs indicators through replica 2
#   nginx, static file       (the anonymous response body, byte for byte)
#   bare Go                  (loadprep -serve-static: the same bytes from memory)
# Ratios are to the bare Go handler (the floor of any Go server), to nginx
# and, for Herald, to Herald on bbolt, anonymous. Beside requests/s, each
# row gives the server's own CPU time per request (from /proc), which does
# not depend on what the client and other processes leave it. Targets are registered by
# one function per server family (targets_bolt, targets_postgres,
# targets_static; see "targets" below to add one). It prints a Markdown
# table (also written to $LOAD_DIR/results.md). The functions it shares
# with scripts/load-postgres.sh are in scripts/load-lib.sh.
#
# Usage (from anywhere; it works in the repository it lives in):
#   scripts/load.sh                 # full run: 10k and 1M objects, 15 s per measurement
#   QUICK=1 scripts/load.sh         # smoke test: 10k only, 5 s per measurement
#
# Environment:
#   LOAD_DIR      work directory; databases are cached in $LOAD_DIR/db (default /tmp/herald-load)
#   DURATION      wrk duration per measurement (default 15s; QUICK: 5s)
#   WARMUP        wrk warm-up before the first round, not reported (default 3s; QUICK: 1s)
#   ROUNDS        measurements of each target, interleaved; the table shows the
#                 median (default 3; QUICK: 1)
#   SIZES         collection sizes (default "10000 1000000"; QUICK: "10000")
#   THREADS, CONNS  wrk -t and -c (default 2 and 16)
#   HERALD_LOG_LEVEL  herald's log level (default warn: no per-request log
#                 lines, as nginx runs with access_log off)
#   MAX_SECONDS   hard bound on the whole run (default 3600; QUICK: 900)
#   NO_INSTALL=1  never run apt-get (fail if wrk or nginx is missing; no
#                 PostgreSQL rows if it is missing, unless PG=1)
#   PG            auto (default): the PostgreSQL targets when PostgreSQL is
#                 installed or can be installed; 0: never; 1: fail without it
#   PG_BIN        the directory of initdb and pg_ctl (default: the newest
#                 /usr/lib/postgresql/*/bin)
#   WRITES_PER_SEC  POSTs a second during the "under writes" target (default 5)
#
# Only loopback traffic: every server listens on 127.0.0.1 and every URL
# targets it. Everything the script starts is stopped on exit, error or
# interrupt.
set -euo pipefail
umask 022 # nginx's workers (user nobody when started as root) read the page

QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
	DURATION=${DURATION:-5s}
	ROUNDS=${ROUNDS:-1}
	WARMUP=${WARMUP:-1s}
	SIZES=${SIZES:-10000}
	MAX_SECONDS=${MAX_SECONDS:-900}
else
	DURATION=${DURATION:-15s}
	ROUNDS=${ROUNDS:-3}
	WARMUP=${WARMUP:-3s}
	SIZES=${SIZES:-10000 1000000}
	MAX_SECONDS=${MAX_SECONDS:-3600}
fi
LOAD_DIR=${LOAD_DIR:-/tmp/herald-load}
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
HERALD_LOG_LEVEL=${HERALD_LOG_LEVEL:-warn}
NO_INSTALL=${NO_INSTALL:-0}
PG=${PG:-auto}
PG_BIN=${PG_BIN:-}
WRITES_PER_SEC=${WRITES_PER_SEC:-5}
# No other HERALD_* setting from the caller's environment (a config file,
# page sizes...) may change what is measured.
while read -r v; do unset "$v"; done < <(compgen -e | grep '^HERALD_' || true)

readonly HOST=127.0.0.1
readonly ACCEPT='application/taxii+json;version=2.1'
readonly PAGE_LIMIT=100
readonly READER=reader
readonly READER_PASSWORD=load-test-reader-password
readonly ADMIN_PASSWORD=load-test-admin-password
readonly WRITER=writer
readonly WRITER_PASSWORD=load-test-writer-password

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$LOAD_DIR/bin
RUN=$LOAD_DIR/run
RESULTS=$LOAD_DIR/results.md

SCRIPT=load.sh
# shellcheck source=scripts/load-lib.sh
source "$REPO/scripts/load-lib.sh"

# ---------------------------------------------------------------- cleanup
# PIDS (load-lib.sh) holds the processes this script started (herald,
# nginx, the writer), stopped on exit; pg_stop stops the PostgreSQL cluster.
CREATED_POLICY=0 # 1 when we wrote /usr/sbin/policy-rc.d and must remove it
WATCHDOG=

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_all
	pg_stop
	if [[ $CREATED_POLICY == 1 ]]; then
		rm -f /usr/sbin/policy-rc.d
	fi
	if [[ -n $WATCHDOG ]]; then
		kill "$WATCHDOG" 2>/dev/null || true
		wait "$WATCHDOG" 2>/dev/null || true
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# The whole run is bounded: after MAX_SECONDS the watchdog sends TERM to
# this shell and to its children (the command in the foreground, herald,
# nginx: all started here), so the trap runs at once and stops the rest.
watchdog() {
	local main=$1 sleeper kids c
	trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
	sleep "$MAX_SECONDS" &
	sleeper=$!
	wait "$sleeper" || exit 0
	echo "load.sh: gave up after MAX_SECONDS=$MAX_SECONDS" >&2
	kill -TERM "$main" 2>/dev/null || exit 0
	kids=$(cat "/proc/$main/task/$main/children" 2>/dev/null || true)
	for c in $kids; do
		[[ $c == "$BASHPID" ]] || kill -TERM "$c" 2>/dev/null || true
	done
}
watchdog $$ &
WATCHDOG=$!

# ---------------------------------------------------------------- tools
# apt_install PKG...: apt-get install (apt-get update first if that fails);
# non-zero when it cannot (NO_INSTALL=1, not root and no sudo, apt fails).
apt_install() {
	local sudo=() rc=0
	[[ $NO_INSTALL == 1 ]] && return 1
	if [[ $(id -u) != 0 ]]; then
		command -v sudo >/dev/null || return 1
		sudo=(sudo)
	fi
	# Installing nginx or postgresql must not start the distribution's
	# service (nginx on port 80, a cluster on 5432): a policy-rc.d that
	# refuses service starts (Debian's documented way).
	if [[ ! -e /usr/sbin/policy-rc.d && ${#sudo[@]} -eq 0 ]]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		CREATED_POLICY=1
	fi
	log "installing $*"
	export DEBIAN_FRONTEND=noninteractive
	if ! timeout 600 "${sudo[@]}" apt-get install -y "$@" >>"$LOAD_DIR/apt.log" 2>&1; then
		log "apt-get install failed; running apt-get update first"
		if timeout 600 "${sudo[@]}" apt-get update >>"$LOAD_DIR/apt.log" 2>&1; then
			timeout 600 "${sudo[@]}" apt-get install -y "$@" >>"$LOAD_DIR/apt.log" 2>&1 || rc=1
		else
			rc=1
		fi
	fi
	if [[ $CREATED_POLICY == 1 ]]; then
		rm -f /usr/sbin/policy-rc.d
		CREATED_POLICY=0
	fi
	return "$rc"
}

install_tools() {
	local missing=()
	command -v wrk >/dev/null || missing+=(wrk)
	command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
	command -v curl >/dev/null || missing+=(curl)
	[[ ${#missing[@]} -eq 0 ]] && return 0
	[[ $NO_INSTALL == 1 ]] && die "missing ${missing[*]} and NO_INSTALL=1"
	apt_install "${missing[@]}" || die "cannot install ${missing[*]} (run as root, or see $LOAD_DIR/apt.log)"
}

# setup_postgres: with PG=auto or PG=1, find PostgreSQL (PG_BIN, else the
# newest /usr/lib/postgresql/*/bin), install it when missing (unless
# NO_INSTALL=1), and start a throwaway cluster in $LOAD_DIR/pg for the
# run. Sets PG_ON=1 then. A PostgreSQL that is missing and cannot be
# installed skips its targets with PG=auto and fails the run with PG=1.
PG_ON=0
setup_postgres() {
	[[ $PG == 0 ]] && return 0
	[[ -n $PG_BIN ]] || PG_BIN=$(pg_find_bin)
	if [[ -z $PG_BIN ]] && apt_install postgresql; then
		PG_BIN=$(pg_find_bin)
	fi
	if [[ -z $PG_BIN || ! -x $PG_BIN/initdb ]]; then
		[[ $PG == 1 ]] && die "PostgreSQL (initdb) not found and not installed, and PG=1 (see $LOAD_DIR/apt.log)"
		log "PostgreSQL not found and not installed: no PostgreSQL targets (PG=1 makes this an error)"
		return 0
	fi
	if ! command -v jq >/dev/null && ! apt_install jq; then
		[[ $PG == 1 ]] && die "jq (for the PostgreSQL writer) is missing and not installed, and PG=1"
		log "jq (for the PostgreSQL writer) is missing and not installed: no PostgreSQL targets"
		return 0
	fi
	pg_start "$LOAD_DIR/pg"
	PG_DESC=$(pg_describe)
	log "$PG_DESC on $HOST:$PG_PORT, data in $LOAD_DIR/pg"
	PG_ON=1
}

# ---------------------------------------------------------------- servers
NGINX_PID='' NGINX_URL=''
start_nginx() { # DIR (holds www/page)
	local dir=$1 port attempt i
	mkdir -p "$dir/tmp"
	for ((attempt = 0; attempt < 5; attempt++)); do
		port=$(free_port)
		cat >"$dir/nginx.conf" <<EOF
# Written by scripts/load.sh: a static file server for the comparison.
worker_processes 2;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	# wrk keeps its connections; Go's server never closes a keep-alive
	# connection after N requests, so nginx should not either.
	keepalive_requests 100000000;
	keepalive_timeout 120s;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
	default_type "application/taxii+json;version=2.1";
	server {
		listen $HOST:$port;
		root $dir/www;
		# Every URL (the same path and query that herald gets) is the page.
		location / { try_files /page =404; }
	}
}
EOF
		: >"$dir/error.log"
		nginx -e "$dir/error.log" -p "$dir/" -c "$dir/nginx.conf" >>"$dir/stderr.log" 2>&1 &
		NGINX_PID=$!
		PIDS+=("$NGINX_PID")
		NGINX_URL=http://$HOST:$port
		for ((i = 0; i < 100; i++)); do
			kill -0 "$NGINX_PID" 2>/dev/null || break
			if curl -fsS --max-time 2 -o /dev/null "$NGINX_URL/" 2>/dev/null; then
				return 0
			fi
			sleep 0.1
		done
		stop_pid "$NGINX_PID"
		if grep -q 'Address already in use' "$dir/error.log" "$dir/stderr.log"; then
			log "port $port was taken; retrying"
			continue
		fi
		cat "$dir/error.log" "$dir/stderr.log" >&2
		die "nginx did not start (config: $dir/nginx.conf)"
	done
	die "nginx: no usable port after 5 attempts"
}

# median FORMAT V...: the median of numbers (the mean of the middle two
# for an even count), printed with the printf FORMAT.
median() {
	local format=$1
	shift
	printf '%s\n' "$@" | sort -g | awk -v f="$format" '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf f, m }'
}

# ratio A B: A/B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

human() { # 10000 -> 10k, 1000000 -> 1M
	local n=$1
	if ((n % 1000000 == 0)); then
		echo "$((n / 1000000))M"
	elif ((n % 1000 == 0)); then
		echo "$((n / 1000))k"
	else
		echo "$n"
	fi
}

# ---------------------------------------------------------------- targets
# A target is one wrk measurement: a name, a table label, a URL, an
# Authorization header (or none), the body size, the pid of the server
# process whose CPU time per request is reported and, optionally, a
# function called with "start" before each of its measurements and "stop"
# after (the writer of herald-pg-writes). Each server family has a
# function that starts its servers, checks their pages and registers its
# targets with add_target (targets_bolt, targets_postgres,
# targets_static); stop_targets stops them all. The table, the medians and
# the ratios follow by themselves.
T_NAME=() T_LABEL=() T_URL=() T_AUTH=() T_BYTES=() T_CPUPID=() T_DURING=() T_RPS=() T_P99=() T_PIDS=()
reset_targets() { T_NAME=() T_LABEL=() T_URL=() T_AUTH=() T_BYTES=() T_CPUPID=() T_DURING=() T_RPS=() T_P99=() T_PIDS=(); }
add_target() { # NAME LABEL URL AUTH BYTES PID [DURING]
	T_NAME+=("$1") T_LABEL+=("$2") T_URL+=("$3") T_AUTH+=("$4") T_BYTES+=("$5") T_CPUPID+=("$6") T_DURING+=("${7:-}")
}
stop_targets() {
	local pid
	for pid in "${T_PIDS[@]}"; do stop "$pid"; done
	T_PIDS=()
}

# targets_bolt DB: herald on the bbolt file; the middle page anonymously,
# with Basic and with a bearer token, the first page and a deep page
# (added_after near the end). Leaves the anonymous middle page in
# $RUN_DIR/page-anon.json for the reference servers.
targets_bolt() {
	local db=$1 f
	# A copy of the file for a second server with the page cache off (a
	# bbolt file is held by one process), taken before either opens it.
	cp --reflink=auto "$db" "$RUN_DIR/nocache.db"
	start_herald "$RUN_DIR/nocache.db" "$RUN_DIR/herald-nocache.log" --page-cache-bytes -1
	T_PIDS+=("$HERALD_PID")
	local nocache_url=$HERALD_URL nocache_pid=$HERALD_PID
	start_herald "$db" "$RUN_DIR/herald.log"
	T_PIDS+=("$HERALD_PID")
	log "[$size] herald on $HERALD_URL; page $path"
	# The page, anonymously (twice: the bytes must be stable), as the reader
	# with Basic and with the token: the same objects each time.
	fetch "$HERALD_URL$path" "$RUN_DIR/page-anon.json"
	fetch "$HERALD_URL$path" "$RUN_DIR/page-anon-2.json"
	cmp -s "$RUN_DIR/page-anon.json" "$RUN_DIR/page-anon-2.json" ||
		die "two anonymous GETs of the same page returned different bytes"
	fetch "$HERALD_URL$path" "$RUN_DIR/page-auth.json" "$READER:$READER_PASSWORD"
	fetch "$HERALD_URL$path" "$RUN_DIR/page-token.json" "" "Bearer $TOKEN"
	fetch "$nocache_url$path" "$RUN_DIR/page-nocache.json"
	cmp -s "$RUN_DIR/page-anon.json" "$RUN_DIR/page-nocache.json" ||
		die "herald with the page cache off served other bytes than with it"
	"$BIN/loadprep" -verify-page "$RUN_DIR/page-anon.json" -want "$PAGE_LIMIT" >"$RUN_DIR/verify-anon.out"
	for f in auth token; do
		"$BIN/loadprep" -verify-page "$RUN_DIR/page-$f.json" -want "$PAGE_LIMIT" >"$RUN_DIR/verify-$f.out"
		diff -q <(grep _id= "$RUN_DIR/verify-anon.out") <(grep _id= "$RUN_DIR/verify-$f.out") >/dev/null ||
			die "the anonymous and the $f page hold different objects"
	done
	local first="/herald/collections/$cid/objects/?limit=$PAGE_LIMIT"
	local deeppath="/herald/collections/$cid/objects/?limit=$PAGE_LIMIT&added_after=$deep"
	fetch "$HERALD_URL$first" "$RUN_DIR/page-first.json"
	fetch "$HERALD_URL$deeppath" "$RUN_DIR/page-deep.json"
	"$BIN/loadprep" -verify-page "$RUN_DIR/page-first.json" -want "$PAGE_LIMIT" >/dev/null
	"$BIN/loadprep" -verify-page "$RUN_DIR/page-deep.json" -want "$PAGE_LIMIT" >/dev/null
	local b_anon b_auth b_token
	b_anon=$(wc -c <"$RUN_DIR/page-anon.json")
	b_auth=$(wc -c <"$RUN_DIR/page-auth.json")
	b_token=$(wc -c <"$RUN_DIR/page-token.json")
	add_target herald-anon "herald (bbolt), anonymous" "$HERALD_URL$path" "" "$b_anon" "$HERALD_PID"
	add_target herald-basic "herald (bbolt), Basic" "$HERALD_URL$path" "$BASIC" "$b_auth" "$HERALD_PID"
	add_target herald-bearer "herald (bbolt), bearer token" "$HERALD_URL$path" "Bearer $TOKEN" "$b_token" "$HERALD_PID"
	add_target herald-first "herald (bbolt), anonymous, first page" "$HERALD_URL$first" "" "$(wc -c <"$RUN_DIR/page-first.json")" "$HERALD_PID"
	add_target herald-deep "herald (bbolt), anonymous, deep page" "$HERALD_URL$deeppath" "" "$(wc -c <"$RUN_DIR/page-deep.json")" "$HERALD_PID"
	add_target herald-nocache "herald (bbolt), anonymous, page cache off" "$nocache_url$path" "" "$b_anon" "$nocache_pid"
}

# copy_to_postgres DB: a new database in the run's cluster holding a
# `herald copy` of the bbolt file (the same collection id, date_added,
# accounts and the secret that signs `next` tokens), a bearer token of the
# reader made in it, and a writer account with a read and write grant on
# the collection. It runs before targets_bolt: `herald copy` reads the
# file, which herald serve then holds. Sets PG_DSN and PG_TOKEN.
PG_DSN='' PG_TOKEN=''
copy_to_postgres() {
	local db=$1 dbname=load$n t0 t1
	pg_createdb "$dbname"
	PG_DSN=$(pg_url "$dbname")
	t0=$(date +%s.%N)
	"$BIN/herald" copy --from "$db" --to "$PG_DSN" >"$RUN_DIR/copy.log" 2>&1 ||
		die "herald copy $db -> PostgreSQL failed (see $RUN_DIR/copy.log)"
	t1=$(date +%s.%N)
	log "[$size] copied into PostgreSQL database $dbname in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
	PG_TOKEN=$("$BIN/herald" user token add "$READER" --db "$PG_DSN" 2>/dev/null) || die "herald user token add (PostgreSQL) failed"
	printf '%s\n' "$WRITER_PASSWORD" | "$BIN/herald" user add "$WRITER" --password-stdin --db "$PG_DSN" >"$RUN_DIR/writer-account.log" 2>&1 ||
		die "herald user add $WRITER failed (see $RUN_DIR/writer-account.log)"
	"$BIN/herald" user grant "$WRITER" --collection "$cid" --read --write --db "$PG_DSN" >>"$RUN_DIR/writer-account.log" 2>&1 ||
		die "herald user grant $WRITER failed (see $RUN_DIR/writer-account.log)"
}

# targets_postgres: two herald serve replicas on the PostgreSQL copy.
# Replica 1 is measured: the middle page anonymously (the same bytes as
# bbolt's, `next` included: the copy carries the signing secret), with
# Basic (the same bytes as bbolt's Basic page) and with a bearer token made
# in PostgreSQL (the same objects), and the anonymous page once more while
# a writer POSTs indicators through replica 2 (see writes).
PG_URL='' PG2_URL=''
targets_postgres() {
	local f
	start_herald "$PG_DSN" "$RUN_DIR/herald-pg-1.log"
	T_PIDS+=("$HERALD_PID")
	PG_URL=$HERALD_URL
	local pg_pid=$HERALD_PID
	start_herald "$PG_DSN" "$RUN_DIR/herald-pg-2.log"
	T_PIDS+=("$HERALD_PID")
	PG2_URL=$HERALD_URL
	start_herald "$PG_DSN" "$RUN_DIR/herald-pg-nocache.log" --page-cache-bytes -1
	T_PIDS+=("$HERALD_PID")
	local pg_nocache_url=$HERALD_URL pg_nocache_pid=$HERALD_PID
	log "[$size] herald on PostgreSQL: replica 1 on $PG_URL (measured), replica 2 on $PG2_URL (takes the writes), replica 3 on $pg_nocache_url (page cache off)"
	fetch "$PG_URL$path" "$RUN_DIR/page-pg-anon.json"
	fetch "$PG2_URL$path" "$RUN_DIR/page-pg2-anon.json"
	fetch "$pg_nocache_url$path" "$RUN_DIR/page-pg-nocache.json"
	for f in pg-anon pg2-anon pg-nocache; do
		cmp -s "$RUN_DIR/page-anon.json" "$RUN_DIR/page-$f.json" ||
			die "herald on PostgreSQL ($f) does not serve bbolt's anonymous page bytes"
	done
	fetch "$PG_URL$path" "$RUN_DIR/page-pg-auth.json" "$READER:$READER_PASSWORD"
	cmp -s "$RUN_DIR/page-auth.json" "$RUN_DIR/page-pg-auth.json" ||
		die "herald on PostgreSQL does not serve bbolt's Basic page bytes"
	fetch "$PG_URL$path" "$RUN_DIR/page-pg-token.json" "" "Bearer $PG_TOKEN"
	"$BIN/loadprep" -verify-page "$RUN_DIR/page-pg-token.json" -want "$PAGE_LIMIT" >"$RUN_DIR/verify-pg-token.out"
	diff -q <(grep _id= "$RUN_DIR/verify-anon.out") <(grep _id= "$RUN_DIR/verify-pg-token.out") >/dev/null ||
		die "the anonymous and the PostgreSQL token page hold different objects"
	local b_anon b_auth b_token
	b_anon=$(wc -c <"$RUN_DIR/page-pg-anon.json")
	b_auth=$(wc -c <"$RUN_DIR/page-pg-auth.json")
	b_token=$(wc -c <"$RUN_DIR/page-pg-token.json")
	add_target herald-pg-anon "herald (PostgreSQL), anonymous" "$PG_URL$path" "" "$b_anon" "$pg_pid"
	add_target herald-pg-basic "herald (PostgreSQL), Basic" "$PG_URL$path" "$BASIC" "$b_auth" "$pg_pid"
	add_target herald-pg-bearer "herald (PostgreSQL), bearer token" "$PG_URL$path" "Bearer $PG_TOKEN" "$b_token" "$pg_pid"
	add_target herald-pg-writes "herald (PostgreSQL), anonymous, while replica 2 takes writes (1 indicator per POST, aiming at $WRITES_PER_SEC/s)" \
		"$PG_URL$path" "" "$b_anon" "$pg_pid" writes
	add_target herald-pg-nocache "herald (PostgreSQL), anonymous, page cache off" "$pg_nocache_url$path" "" "$b_anon" "$pg_nocache_pid"
}

# writer URL IDS ERR STOPPED: POSTs one new indicator per request to URL
# (a collection's objects endpoint) as the writer account, one request at
# a time on a schedule of WRITES_PER_SEC requests a second (when requests
# run late, the next ones go without a pause until it is met again; under
# heavy load the rate is lower, and the notes say what it was), and
# appends each accepted id to IDS. A POST that is not answered 202 with one success stops it with the
# reason in ERR. TERM makes it finish the request in flight and stop; it
# then creates STOPPED. Runs in the background; only builtins, curl and jq
# per request.
writer() {
	local url=$1 ids=$2 errf=$3 stopped=$4 resp=$2.resp stopping=0 i=0
	local id now us body code step t0 wait_us
	trap 'stopping=1' TERM
	export TZ=UTC # for printf's %()T; this is a subshell
	step=$(awk -v r="$WRITES_PER_SEC" 'BEGIN { printf "%d", 1000000 / r }')
	t0=${EPOCHREALTIME/./}
	while ((stopping == 0)); do
		i=$((i + 1))
		read -r id </proc/sys/kernel/random/uuid
		id=indicator--$id
		us=${EPOCHREALTIME/./}
		printf -v now '%(%Y-%m-%dT%H:%M:%S)T.%03dZ' "$((us / 1000000))" "$((us % 1000000 / 1000))"
		printf -v body '{"objects":[{"type":"indicator","spec_version":"2.1","id":"%s","created":"%s","modified":"%s","name":"load.sh writer %d","indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '"'"'203.0.113.%d'"'"']","pattern_type":"stix","valid_from":"%s"}]}' \
			"$id" "$now" "$now" "$i" $((i % 254 + 1)) "$now"
		if ! code=$(curl -sS --max-time 10 -X POST -u "$WRITER:$WRITER_PASSWORD" -H "Accept: $ACCEPT" -H "Content-Type: $ACCEPT" \
			--data-binary "$body" -o "$resp" -w '%{http_code}' "$url" 2>&1); then
			echo "POST $url failed: $code" >"$errf"
			exit 1
		fi
		if [[ $code != 202 ]] || ! jq -e '.success_count == 1 and .failure_count == 0' "$resp" >/dev/null 2>&1; then
			echo "POST $url: HTTP $code: $(head -c 300 "$resp")" >"$errf"
			exit 1
		fi
		echo "$id" >>"$ids"
		wait_us=$((t0 + i * step - ${EPOCHREALTIME/./}))
		if ((wait_us > 0 && stopping == 0)); then
			sleep "$((wait_us / 1000000)).$(printf '%06d' $((wait_us % 1000000)))"
		fi
	done
	: >"$stopped"
}

# ids_since URL T OUT: the ids of every object added to the collection
# after T, read page by page (limit 1000, following `next`) from URL (a
# collection's objects endpoint), anonymously; one per line in OUT.
ids_since() {
	local url=$1 t=$2 out=$3 page=$RUN_DIR/since.json q next=''
	: >"$out"
	while :; do
		q="?added_after=$t&limit=1000"
		[[ -n $next ]] && q+="&next=$(jq -rn --arg v "$next" '$v | @uri')"
		fetch "$url$q" "$page"
		jq -r '.objects[]?.id' "$page" >>"$out"
		[[ $(jq -r '.more // false' "$page") == true ]] || break
		next=$(jq -r '.next // empty' "$page")
		[[ -n $next ]] || die "a page of $url says more but has no next"
	done
}

# writes start|stop: the writer around each measurement of
# herald-pg-writes. stop checks that replica 1 served bbolt's page bytes
# while the writes went on, stops the writer (it must have stopped
# cleanly, every POST accepted), and checks that replica 1 shows exactly
# the objects it wrote, no more, no fewer.
WRITER_PID='' WRITES_T0='' WRITES_START='' WRITES_ROUND=0
writes() {
	local ids=$RUN_DIR/writes-r$WRITES_ROUND-ids.txt
	case $1 in
	start)
		WRITES_ROUND=$((WRITES_ROUND + 1))
		ids=$RUN_DIR/writes-r$WRITES_ROUND-ids.txt
		: >"$ids"
		rm -f "$ids.err" "$ids.stopped"
		WRITES_T0=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
		WRITES_START=$(date +%s.%N)
		writer "$PG2_URL/herald/collections/$cid/objects/" "$ids" "$ids.err" "$ids.stopped" &
		WRITER_PID=$!
		PIDS+=("$WRITER_PID")
		;;
	stop)
		local n secs seen
		fetch "$PG_URL$path" "$RUN_DIR/page-pg-writes.json"
		[[ -s $ids.err ]] && die "the writer failed: $(cat "$ids.err")"
		kill -0 "$WRITER_PID" 2>/dev/null || die "the writer is gone before the end of the measurement"
		stop "$WRITER_PID"
		secs=$(awk -v a="$WRITES_START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		[[ -s $ids.err ]] && die "the writer failed: $(cat "$ids.err")"
		[[ -e $ids.stopped ]] || die "the writer did not stop cleanly"
		n=$(wc -l <"$ids")
		((n > 0)) || die "the writer wrote nothing"
		cmp -s "$RUN_DIR/page-anon.json" "$RUN_DIR/page-pg-writes.json" ||
			die "under writes, replica 1 served other bytes than bbolt's for the page"
		ids_since "$PG_URL/herald/collections/$cid/objects/" "$WRITES_T0" "$ids.seen"
		diff -q <(sort "$ids") <(sort "$ids.seen") >/dev/null ||
			die "replica 1 does not show exactly the $n objects written through replica 2 (see $ids, $ids.seen)"
		seen=$(wc -l <"$ids.seen")
		log "[$size] writes round $WRITES_ROUND: $n POSTs accepted in $secs s through replica 2; replica 1 shows all $seen"
		WRITES_NOTES+=("$n in $secs s ($(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.1f", n / s }')/s)")
		;;
	esac
}

# targets_static: nginx (sendfile) and the bare Go handler, both serving
# the anonymous middle page byte for byte at every URL.
targets_static() {
	local port attempt i bytes
	bytes=$(wc -c <"$RUN_DIR/page-anon.json")
	mkdir -p "$RUN_DIR/nginx/www"
	cp "$RUN_DIR/page-anon.json" "$RUN_DIR/nginx/www/page"
	start_nginx "$RUN_DIR/nginx"
	T_PIDS+=("$NGINX_PID")
	fetch "$NGINX_URL$path" "$RUN_DIR/page-nginx.json"
	cmp -s "$RUN_DIR/page-anon.json" "$RUN_DIR/page-nginx.json" || die "nginx does not serve the same bytes"
	for ((attempt = 0; attempt < 5; attempt++)); do
		port=$(free_port)
		"$BIN/loadprep" -serve-static "$RUN_DIR/page-anon.json" -addr "$HOST:$port" >"$RUN_DIR/bare.out" 2>&1 &
		BARE_PID=$!
		PIDS+=("$BARE_PID")
		BARE_URL=http://$HOST:$port
		for ((i = 0; i < 100; i++)); do
			kill -0 "$BARE_PID" 2>/dev/null || break
			curl -fsS --max-time 2 -o /dev/null "$BARE_URL/" 2>/dev/null && break 2
			sleep 0.1
		done
		stop "$BARE_PID"
		grep -q 'address already in use' "$RUN_DIR/bare.out" || die "the bare Go server did not start: $(cat "$RUN_DIR/bare.out")"
	done
	T_PIDS+=("$BARE_PID")
	fetch "$BARE_URL$path" "$RUN_DIR/page-bare.json"
	cmp -s "$RUN_DIR/page-anon.json" "$RUN_DIR/page-bare.json" || die "the bare Go server does not serve the same bytes"
	log "[$size] nginx on $NGINX_URL, bare Go on $BARE_URL; body $bytes bytes"
	add_target nginx "nginx (static file, sendfile)" "$NGINX_URL$path" "" "$bytes" "$NGINX_PID"
	add_target bare "bare Go net/http, bytes from memory" "$BARE_URL$path" "" "$bytes" "$BARE_PID"
}

# ---------------------------------------------------------------- main
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS: $ROUNDS is not a positive number"
[[ $PG == auto || $PG == 0 || $PG == 1 ]] || die "PG: $PG is not auto, 0 or 1"
awk -v r="$WRITES_PER_SEC" 'BEGIN { exit !(r + 0 > 0 && r + 0 <= 100 && r ~ /^[0-9.]+$/) }' ||
	die "WRITES_PER_SEC: $WRITES_PER_SEC is not a number between 0 and 100"
mkdir -p "$LOAD_DIR" "$BIN" "$LOAD_DIR/db"
install_tools
setup_postgres
command -v go >/dev/null || die "go is not on PATH"

log "building herald and loadprep"
(cd "$REPO" && timeout 600 go build -o "$BIN/herald" ./cmd/herald && timeout 600 go build -o "$BIN/loadprep" ./internal/loadprep) ||
	die "go build failed"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RUN_ROOT=$RUN/$STAMP
mkdir -p "$RUN_ROOT"
BASIC="Basic $(printf '%s:%s' "$READER" "$READER_PASSWORD" | base64 | tr -d '\n')"
ROWS=()
DETAILS=()
NOTES=() # one line per size about the PostgreSQL writes
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${LOAD_BEFORE%% *}" -v n="$(nproc)" 'BEGIN {exit !(l > n / 2)}'; then
	log "warning: load average $LOAD_BEFORE on $(nproc) CPUs before the run: other work competes, figures will be noisy (the ratios less so)"
fi

for n in $SIZES; do
	[[ $n =~ ^[0-9]+$ ]] || die "SIZES: $n is not a number"
	size=$(human "$n")
	RUN_DIR=$RUN_ROOT/$size
	mkdir -p "$RUN_DIR"
	db=$LOAD_DIR/db/objects-$n.db

	log "[$size] preparing $db"
	timeout 1800 "$BIN/loadprep" -db "$db" -objects "$n" -reader "$READER" -reader-password "$READER_PASSWORD" \
		>"$RUN_DIR/loadprep.out" || die "loadprep failed for $n objects"
	cid=$(kv "$RUN_DIR/loadprep.out" collection_id)
	middle=$(kv "$RUN_DIR/loadprep.out" middle_added_after)
	[[ -n $cid && -n $middle ]] || die "loadprep printed no collection id or middle timestamp"
	[[ $(kv "$RUN_DIR/loadprep.out" built) == true ]] &&
		log "[$size] built in $(kv "$RUN_DIR/loadprep.out" build_seconds) s"

	deep=$(kv "$RUN_DIR/loadprep.out" deep_added_after)
	# A bearer token for the reader (the file is not held by a server yet).
	TOKEN=$("$BIN/herald" user token add "$READER" --db "$db" 2>/dev/null) || die "herald user token add failed"
	path="/herald/collections/$cid/objects/?limit=$PAGE_LIMIT&added_after=$middle"

	reset_targets
	WRITES_NOTES=() WRITES_ROUND=0
	if [[ $PG_ON == 1 ]]; then
		copy_to_postgres "$db" # before herald serve holds the file
	fi
	targets_bolt "$db"
	if [[ $PG_ON == 1 ]]; then
		targets_postgres
	fi
	targets_static # the reference servers get Herald's anonymous page bytes
	log "[$size] targets: ${T_NAME[*]}"

	# Rounds interleave the targets, so that a burst of outside load hits
	# all of them alike; the table shows the median of the rounds.
	declare -A R=() P=() M=() C=() T_CPU=()
	for ((round = 1; round <= ROUNDS; round++)); do
		for i in "${!T_NAME[@]}"; do
			[[ -z ${T_DURING[$i]} ]] || "${T_DURING[$i]}" start
			measure "${T_NAME[$i]}-r$round" "${T_URL[$i]}" "${T_AUTH[$i]}" "${T_CPUPID[$i]}"
			[[ -z ${T_DURING[$i]} ]] || "${T_DURING[$i]}" stop
			R[$i]+="$RPS " P[$i]+="$P99 " M[$i]+="$P50 "
			[[ -z $CPU_US ]] || C[$i]+="$CPU_US "
		done
	done
	base_rps='' base_p99='' base_cpu='' nginx_rps='' first_rps='' bolt_rps=''
	for i in "${!T_NAME[@]}"; do
		# shellcheck disable=SC2086 # word splitting of the round lists is wanted
		T_RPS[i]=$(median %.0f ${R[$i]})
		# shellcheck disable=SC2086
		T_P99[i]=$(median %.2f ${P[$i]})
		T_CPU[$i]=''
		# shellcheck disable=SC2086
		[[ -z ${C[$i]:-} ]] || T_CPU[$i]=$(median %.1f ${C[$i]})
		case ${T_NAME[$i]} in
		bare) base_rps=${T_RPS[$i]} base_p99=${T_P99[$i]} base_cpu=${T_CPU[$i]} ;;
		nginx) nginx_rps=${T_RPS[$i]} ;;
		herald-first) first_rps=${T_RPS[$i]} ;;
		herald-anon) bolt_rps=${T_RPS[$i]} ;;
		esac
	done
	for i in "${!T_NAME[@]}"; do
		extra='' vs_bolt=''
		[[ ${T_NAME[$i]} == herald-* ]] && vs_bolt=$(ratio "${T_RPS[$i]}" "$bolt_rps")
		[[ ${T_NAME[$i]} == herald-pg-* ]] && vs_bolt="**$vs_bolt**"
		[[ ${T_NAME[$i]} == herald-deep && -n $first_rps ]] && extra=" (deep ÷ first: $(ratio "${T_RPS[$i]}" "$first_rps"))"
		cpu='–'
		if [[ -n ${T_CPU[$i]} ]]; then
			cpu="${T_CPU[$i]} µs"
			[[ -z $base_cpu ]] || cpu+=" ($(ratio "${T_CPU[$i]}" "$base_cpu")×)"
		fi
		# shellcheck disable=SC2086
		ROWS+=("| $size | ${T_LABEL[$i]} | ${T_BYTES[$i]} | ${T_RPS[$i]} | $(median %.2f ${M[$i]}) ms | ${T_P99[$i]} ms | $(awk -v a="${T_P99[$i]}" -v b="$base_p99" 'BEGIN { printf "%+.2f", a - b }') ms | **$(ratio "${T_RPS[$i]}" "$base_rps")**$extra | $(ratio "${T_RPS[$i]}" "$nginx_rps") | $vs_bolt | $cpu |")
		DETAILS+=("- $size ${T_NAME[$i]}, each round: req/s ${R[$i]% } | p99 ms ${P[$i]% }${C[$i]:+ | server CPU µs/request ${C[$i]% }}")
	done
	unset R P M C T_CPU
	if ((${#WRITES_NOTES[@]} > 0)); then
		w=$(printf '; %s' "${WRITES_NOTES[@]}")
		NOTES+=("- $size, writes through replica 2 during each round of herald-pg-writes (POSTs accepted): ${w#; }; after each round, replica 1 showed exactly the objects written, and its page bytes during the writes were bbolt's")
	fi

	stop_targets
	rm -f "$RUN_DIR/nocache.db" # a copy of the database: as large as it
	if [[ $PG_ON == 1 ]]; then
		pg_dropdb "load$n"
	fi
done

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$REPO" diff --quiet HEAD -- 2>/dev/null || commit="$commit (with uncommitted changes)"
{
	echo "Herald vs a bare Go handler and nginx: one ${PAGE_LIMIT}-object page (from the middle of the collection unless the row says otherwise), same response bytes"
	echo
	echo "| collection | target | body bytes | requests/s | p50 latency | p99 latency | p99 − bare | ÷ bare Go (req/s) | ÷ nginx | ÷ bbolt anonymous | server CPU per request (÷ bare Go) |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${ROWS[@]}"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(uname -sr), load average before/after: $LOAD_BEFORE / $LOAD_AFTER"
	echo "- herald $commit, $(go version | cut -d' ' -f3), log level $HERALD_LOG_LEVEL; bare Go: loadprep -serve-static (net/http, bytes from memory); $(nginx -v 2>&1 | sed 's/^nginx version: //'), worker_processes 2, sendfile on, access_log off; $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2)"
	echo "- wrk -t$THREADS -c$CONNS -d$DURATION --latency, $ROUNDS interleaved round(s) per target after a $WARMUP warm-up, median shown; all on 127.0.0.1, client and servers share the same CPUs"
	echo "- server CPU per request: the user and system time of the server's process (nginx: its master and workers) during the measured run, over the requests wrk completed; median of the rounds. It leaves out what the client and the other processes took, so it moves less between runs than requests/s. The PostgreSQL rows count the herald replica only, not PostgreSQL's own processes"
	if [[ $PG_ON == 1 ]]; then
		echo "- $PG_DESC; a throwaway cluster ($PG_BIN) in $LOAD_DIR/pg on 127.0.0.1, durable, sharing the CPUs with herald and wrk; each size a \`herald copy\` of the bbolt file into a new database, served by two \`herald serve\` replicas (pool of 8 connections each); the writes are POSTs of one new indicator, as an account with a write grant (Basic), through replica 2 while wrk measures replica 1"
		printf '%s\n' "${NOTES[@]}"
	elif [[ $PG == 0 ]]; then
		echo "- PostgreSQL: not measured (PG=0)"
	else
		echo "- PostgreSQL: not measured (PostgreSQL or jq not installed)"
	fi
	printf '%s\n' "${DETAILS[@]}"
	echo "- raw wrk output: $RUN_ROOT"
} >"$RESULTS.tmp"
mv "$RESULTS.tmp" "$RESULTS"
cat "$RESULTS"
log "results written to $RESULTS"
