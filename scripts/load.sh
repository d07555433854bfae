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
#   nginx, static file       (the anonymous response body, byte for byte)
#   bare Go                  (loadprep -serve-static: the same bytes from memory)
# Ratios are to the bare Go handler (the floor of any Go server) and to
# nginx. Targets are registered by one function per server family
# (targets_bolt, targets_static; see "targets" below to add one).
# It prints a Markdown table (also written to $LOAD_DIR/results.md).
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
#   NO_INSTALL=1  never run apt-get (fail if wrk or nginx is missing)
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
# No other HERALD_* setting from the caller's environment (a config file,
# page sizes...) may change what is measured.
while read -r v; do unset "$v"; done < <(compgen -e | grep '^HERALD_' || true)

readonly HOST=127.0.0.1
readonly ACCEPT='application/taxii+json;version=2.1'
readonly PAGE_LIMIT=100
readonly READER=reader
readonly READER_PASSWORD=load-test-reader-password
readonly ADMIN_PASSWORD=load-test-admin-password

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=$LOAD_DIR/bin
RUN=$LOAD_DIR/run
RESULTS=$LOAD_DIR/results.md

log() { printf 'load.sh: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# ---------------------------------------------------------------- cleanup
PIDS=()          # processes this script started (herald, nginx), stopped on exit
CREATED_POLICY=0 # 1 when we wrote /usr/sbin/policy-rc.d and must remove it
WATCHDOG=

# stop_pid PID: TERM, wait up to 10 s, then KILL. Only ever called with
# pids this script started.
stop_pid() {
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "pid $pid did not stop on TERM; killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	local pid
	for pid in "${PIDS[@]}"; do
		stop_pid "$pid"
	done
	PIDS=()
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
install_tools() {
	local missing=()
	command -v wrk >/dev/null || missing+=(wrk)
	command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
	command -v curl >/dev/null || missing+=(curl)
	[[ ${#missing[@]} -eq 0 ]] && return 0
	[[ $NO_INSTALL == 1 ]] && die "missing ${missing[*]} and NO_INSTALL=1"
	local sudo=()
	if [[ $(id -u) != 0 ]]; then
		command -v sudo >/dev/null || die "missing ${missing[*]}; run as root or install them"
		sudo=(sudo)
	fi
	# Installing nginx must not start the distribution's nginx on port 80:
	# a policy-rc.d that refuses service starts (Debian's documented way).
	if [[ ! -e /usr/sbin/policy-rc.d && ${#sudo[@]} -eq 0 ]]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		CREATED_POLICY=1
	fi
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if ! timeout 600 "${sudo[@]}" apt-get install -y "${missing[@]}" >"$LOAD_DIR/apt.log" 2>&1; then
		log "apt-get install failed; running apt-get update first"
		timeout 600 "${sudo[@]}" apt-get update >>"$LOAD_DIR/apt.log" 2>&1 || die "apt-get update failed (see $LOAD_DIR/apt.log)"
		timeout 600 "${sudo[@]}" apt-get install -y "${missing[@]}" >>"$LOAD_DIR/apt.log" 2>&1 ||
			die "apt-get install ${missing[*]} failed (see $LOAD_DIR/apt.log)"
	fi
	if [[ $CREATED_POLICY == 1 ]]; then
		rm -f /usr/sbin/policy-rc.d
		CREATED_POLICY=0
	fi
}

# ---------------------------------------------------------------- ports
# port_in_use PORT: something accepts connections on 127.0.0.1:PORT.
port_in_use() { (: <>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# free_port: a loopback port nobody listens on now. The caller retries
# with another one if it is taken before its server binds it.
free_port() {
	local p i
	for ((i = 0; i < 50; i++)); do
		p=$((20000 + RANDOM % 40000))
		port_in_use "$p" || {
			echo "$p"
			return 0
		}
	done
	die "no free loopback port found"
}

# check_loopback URL: refuse anything that is not http://127.0.0.1:PORT/...
check_loopback() {
	[[ $1 =~ ^http://127\.0\.0\.1:[0-9]+/ ]] || die "refusing non-loopback URL $1"
}

# ---------------------------------------------------------------- servers
HERALD_PID='' HERALD_URL=''
start_herald() { # DB LOGFILE
	local db=$1 logf=$2 port attempt i
	for ((attempt = 0; attempt < 5; attempt++)); do
		port=$(free_port)
		: >"$logf"
		HERALD_ADMIN_PASSWORD=$ADMIN_PASSWORD HERALD_LOG_LEVEL=$HERALD_LOG_LEVEL \
			"$BIN/herald" serve --db "$db" --addr "$HOST:$port" >>"$logf" 2>&1 &
		HERALD_PID=$!
		PIDS+=("$HERALD_PID")
		HERALD_URL=http://$HOST:$port
		for ((i = 0; i < 300; i++)); do # 30 s: opening a 1M-object file is quick, but be generous
			if ! kill -0 "$HERALD_PID" 2>/dev/null; then
				break
			fi
			if curl -fsS --max-time 2 -o /dev/null "$HERALD_URL/healthz" 2>/dev/null; then
				return 0
			fi
			sleep 0.1
		done
		stop_pid "$HERALD_PID"
		if grep -q 'address already in use' "$logf"; then
			log "port $port was taken; retrying"
			continue
		fi
		tail -n 20 "$logf" >&2
		die "herald did not become healthy on $HERALD_URL (log: $logf)"
	done
	die "herald: no usable port after 5 attempts"
}

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

# stop PID: stop one server we started and forget it.
stop() {
	local pid=$1 rest=() p
	stop_pid "$pid"
	for p in "${PIDS[@]}"; do
		[[ $p == "$pid" ]] || rest+=("$p")
	done
	PIDS=("${rest[@]}")
}

# ---------------------------------------------------------------- wrk
# to_ms VALUE: wrk's latency ("812.00us", "3.21ms", "1.02s", "2.00m") in ms.
to_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		else if (u != "ms") { print "bad"; exit }
		printf "%.2f", n }'
}

# measure NAME URL [AUTH_HEADER]: warm-up run (first round only), then
# the measured run.
# Sets RPS, P50 and P99 (ms); fails on any non-2xx response.
RPS='' P50='' P99='' SOCKERR=''
measure() {
	local name=$1 url=$2 auth=${3:-} out=$RUN_DIR/wrk-$1.txt
	local args=(-t"$THREADS" -c"$CONNS" --latency --timeout 10s -H "Accept: $ACCEPT")
	[[ -n $auth ]] && args+=(-H "Authorization: $auth")
	check_loopback "$url"
	if [[ $name == *-r1 ]]; then
		timeout 300 wrk "${args[@]}" -d"$WARMUP" "$url" >"$RUN_DIR/wrk-$name-warmup.txt"
	fi
	timeout 600 wrk "${args[@]}" -d"$DURATION" "$url" >"$out"
	if grep -q 'Non-2xx or 3xx responses' "$out"; then
		cat "$out" >&2
		die "$name: some responses were not 2xx (see $out)"
	fi
	RPS=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
	local p50 p99
	p50=$(awk '$1 == "50%" {print $2}' "$out")
	p99=$(awk '$1 == "99%" {print $2}' "$out")
	[[ -n $RPS && -n $p50 && -n $p99 ]] || die "$name: cannot read Requests/sec or the latency distribution in $out"
	P50=$(to_ms "$p50")
	P99=$(to_ms "$p99")
	[[ $P50 != bad && $P99 != bad ]] || die "$name: unknown latency unit in '$p50' or '$p99' ($out)"
	SOCKERR=$(grep -o 'Socket errors:.*' "$out" || true)
	[[ -z $SOCKERR ]] || log "$name: $SOCKERR"
	log "$name: $RPS req/s, p50 $P50 ms, p99 $P99 ms"
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

# fetch URL FILE [USER:PASSWORD] [AUTHORIZATION]: GET with curl; the
# status must be 200.
fetch() {
	local url=$1 file=$2 cred=${3:-} authz=${4:-} code
	local args=(-sS --max-time 60 -H "Accept: $ACCEPT" -o "$file" -w '%{http_code}')
	[[ -n $cred ]] && args+=(-u "$cred")
	[[ -n $authz ]] && args+=(-H "Authorization: $authz")
	check_loopback "$url"
	code=$(curl "${args[@]}" "$url") || die "GET $url failed"
	[[ $code == 200 ]] || die "GET $url: HTTP $code: $(head -c 300 "$file")"
}

# kv FILE KEY: a value from loadprep's key=value output.
kv() { sed -n "s/^$2=//p" "$1" | head -n 1; }

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
# Authorization header (or none) and the body size. Each server family has
# a function that starts its servers, checks their pages and registers its
# targets with add_target; stop_targets stops them all. To add one (e.g.
# Herald on PostgreSQL): write targets_postgres that starts
# `herald serve --db postgres://…` with start_herald, fetches and checks the
# page as targets_bolt does, and calls add_target "herald-pg" "herald on
# PostgreSQL, none" URL "" BYTES; then call it in the main loop next to
# targets_bolt. The table, the medians and the ratios follow by themselves.
T_NAME=() T_LABEL=() T_URL=() T_AUTH=() T_BYTES=() T_RPS=() T_P99=() T_PIDS=()
reset_targets() { T_NAME=() T_LABEL=() T_URL=() T_AUTH=() T_BYTES=() T_RPS=() T_P99=() T_PIDS=(); }
add_target() { # NAME LABEL URL AUTH BYTES
	T_NAME+=("$1") T_LABEL+=("$2") T_URL+=("$3") T_AUTH+=("$4") T_BYTES+=("$5")
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
	add_target herald-anon "herald (bbolt), anonymous" "$HERALD_URL$path" "" "$b_anon"
	add_target herald-basic "herald (bbolt), Basic" "$HERALD_URL$path" "$BASIC" "$b_auth"
	add_target herald-bearer "herald (bbolt), bearer token" "$HERALD_URL$path" "Bearer $TOKEN" "$b_token"
	add_target herald-first "herald (bbolt), anonymous, first page" "$HERALD_URL$first" "" "$(wc -c <"$RUN_DIR/page-first.json")"
	add_target herald-deep "herald (bbolt), anonymous, deep page" "$HERALD_URL$deeppath" "" "$(wc -c <"$RUN_DIR/page-deep.json")"
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
	add_target nginx "nginx (static file, sendfile)" "$NGINX_URL$path" "" "$bytes"
	add_target bare "bare Go net/http, bytes from memory" "$BARE_URL$path" "" "$bytes"
}

# ---------------------------------------------------------------- main
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS: $ROUNDS is not a positive number"
mkdir -p "$LOAD_DIR" "$BIN" "$LOAD_DIR/db"
install_tools
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
	targets_bolt "$db"
	targets_static # the reference servers get Herald's anonymous page bytes
	log "[$size] targets: ${T_NAME[*]}"

	# Rounds interleave the targets, so that a burst of outside load hits
	# all of them alike; the table shows the median of the rounds.
	declare -A R=() P=() M=()
	for ((round = 1; round <= ROUNDS; round++)); do
		for i in "${!T_NAME[@]}"; do
			measure "${T_NAME[$i]}-r$round" "${T_URL[$i]}" "${T_AUTH[$i]}"
			R[$i]+="$RPS " P[$i]+="$P99 " M[$i]+="$P50 "
		done
	done
	base_rps='' base_p99='' nginx_rps='' first_rps=''
	for i in "${!T_NAME[@]}"; do
		# shellcheck disable=SC2086 # word splitting of the round lists is wanted
		T_RPS[$i]=$(median %.0f ${R[$i]})
		# shellcheck disable=SC2086
		T_P99[$i]=$(median %.2f ${P[$i]})
		case ${T_NAME[$i]} in
		bare) base_rps=${T_RPS[$i]} base_p99=${T_P99[$i]} ;;
		nginx) nginx_rps=${T_RPS[$i]} ;;
		herald-first) first_rps=${T_RPS[$i]} ;;
		esac
	done
	for i in "${!T_NAME[@]}"; do
		extra=''
		[[ ${T_NAME[$i]} == herald-deep && -n $first_rps ]] && extra=" (deep ÷ first: $(ratio "${T_RPS[$i]}" "$first_rps"))"
		# shellcheck disable=SC2086
		ROWS+=("| $size | ${T_LABEL[$i]} | ${T_BYTES[$i]} | ${T_RPS[$i]} | $(median %.2f ${M[$i]}) ms | ${T_P99[$i]} ms | $(awk -v a="${T_P99[$i]}" -v b="$base_p99" 'BEGIN { printf "%+.2f", a - b }') ms | **$(ratio "${T_RPS[$i]}" "$base_rps")**$extra | $(ratio "${T_RPS[$i]}" "$nginx_rps") |")
		DETAILS+=("- $size ${T_NAME[$i]}, each round: req/s ${R[$i]% } | p99 ms ${P[$i]% }")
	done
	unset R P M

	stop_targets
done

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$REPO" diff --quiet HEAD -- 2>/dev/null || commit="$commit (with uncommitted changes)"
{
	echo "Herald vs a bare Go handler and nginx: one ${PAGE_LIMIT}-object page (from the middle of the collection unless the row says otherwise), same response bytes"
	echo
	echo "| collection | target | body bytes | requests/s | p50 latency | p99 latency | p99 − bare | ÷ bare Go (req/s) | ÷ nginx |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${ROWS[@]}"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(uname -sr), load average before/after: $LOAD_BEFORE / $LOAD_AFTER"
	echo "- herald $commit, $(go version | cut -d' ' -f3), log level $HERALD_LOG_LEVEL; bare Go: loadprep -serve-static (net/http, bytes from memory); $(nginx -v 2>&1 | sed 's/^nginx version: //'), worker_processes 2, sendfile on, access_log off; $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2)"
	echo "- wrk -t$THREADS -c$CONNS -d$DURATION --latency, $ROUNDS interleaved round(s) per target after a $WARMUP warm-up, median shown; all on 127.0.0.1, client and servers share the same CPUs"
	printf '%s\n' "${DETAILS[@]}"
	echo "- raw wrk output: $RUN_ROOT"
} >"$RESULTS.tmp"
mv "$RESULTS.tmp" "$RESULTS"
cat "$RESULTS"
log "results written to $RESULTS"
