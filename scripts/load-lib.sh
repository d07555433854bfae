# shellcheck shell=bash
# scripts/load-lib.sh: the shell functions scripts/load.sh and
# scripts/load-postgres.sh share (sourced, not run): logging, the
# processes they start and stop, loopback ports, `herald serve`, wrk, curl
# and a throwaway PostgreSQL cluster.
#
# The sourcing script sets, before it calls these functions:
#   SCRIPT        its name, for log lines
#   HOST, ACCEPT  127.0.0.1 and the TAXII media type
#   BIN           where herald and loadprep were built
#   ADMIN_PASSWORD, HERALD_LOG_LEVEL   for herald serve
#   RUN_DIR, THREADS, CONNS, WARMUP, DURATION   for measure (which sets RPS,
#                 P50, P99 and, given a server's pid, CPU_US: that server's CPU
#                 time per request)
#   PG_BIN        (for the pg_* functions) the directory of initdb and pg_ctl
# shellcheck disable=SC2154 # those variables are the caller's

log() { printf '%s: %s\n' "$SCRIPT" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# ---------------------------------------------------------------- processes
PIDS=() # processes the script started, stopped on exit (stop_all)

# stop_pid PID: TERM, wait up to 10 s, then KILL. Only ever called with
# pids the script started.
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

# stop PID: stop one process we started and forget it.
stop() {
	local pid=$1 rest=() p
	stop_pid "$pid"
	for p in "${PIDS[@]}"; do
		[[ $p == "$pid" ]] || rest+=("$p")
	done
	PIDS=("${rest[@]}")
}

# stop_all: stop every process we started (the exit trap calls it).
stop_all() {
	local pid
	for pid in "${PIDS[@]}"; do
		stop_pid "$pid"
	done
	PIDS=()
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

# ---------------------------------------------------------------- herald
# start_herald DB LOGFILE [FLAG...]: `herald serve --db DB [FLAG...]` (DB a
# file or a postgres:// URL) on a free loopback port, healthy; sets
# HERALD_PID and HERALD_URL.
HERALD_PID='' HERALD_URL=''
start_herald() {
	local db=$1 logf=$2 port attempt i
	shift 2
	for ((attempt = 0; attempt < 5; attempt++)); do
		port=$(free_port)
		: >"$logf"
		HERALD_ADMIN_PASSWORD=$ADMIN_PASSWORD HERALD_LOG_LEVEL=$HERALD_LOG_LEVEL \
			"$BIN/herald" serve --db "$db" --addr "$HOST:$port" "$@" >>"$logf" 2>&1 &
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
		stop "$HERALD_PID"
		if grep -q 'address already in use' "$logf"; then
			log "port $port was taken; retrying"
			continue
		fi
		tail -n 20 "$logf" >&2
		die "herald did not become healthy on $HERALD_URL (log: $logf)"
	done
	die "herald: no usable port after 5 attempts"
}

# ---------------------------------------------------------------- wrk and curl
# to_ms VALUE: wrk's latency ("812.00us", "3.21ms", "1.02s", "2.00m") in ms.
to_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		else if (u != "ms") { print "bad"; exit }
		printf "%.2f", n }'
}

# measure NAME URL [AUTH_HEADER] [PID]: a WARMUP run first when NAME ends
# in -r1 (the first round), then the measured run of DURATION; its output
# stays in $RUN_DIR/wrk-NAME.txt. Sets RPS, P50 and P99 (ms); fails on
# any non-2xx response. Given the pid of the server, also CPU_US: the CPU
# time (user and system) the server spent per request during the measured
# run. Unlike requests/s, it does not depend on how much CPU the client and
# other processes on the machine left the server.
#
# With credentials, one request first logs in (untimed). Herald remembers
# verified credentials for a minute and re-checks them in the background
# while a client keeps using them, but the rounds of one target are
# minutes apart: without this, each later round would begin with the
# argon2id check of a login (50-80 ms, with all connections waiting on
# it), which is a login's cost, not a page's, and moved the Basic p99 by
# about 1-3 ms. The cost of a login is in docs/performance.md.
RPS='' P50='' P99='' SOCKERR=''
measure() {
	local name=$1 url=$2 auth=${3:-} cpu_pid=${4:-} out=$RUN_DIR/wrk-$1.txt ticks0=''
	local args=(-t"$THREADS" -c"$CONNS" --latency --timeout 10s -H "Accept: $ACCEPT")
	[[ -n $auth ]] && args+=(-H "Authorization: $auth")
	check_loopback "$url"
	if [[ $name == *-r1 ]]; then
		timeout 300 wrk "${args[@]}" -d"$WARMUP" "$url" >"$RUN_DIR/wrk-$name-warmup.txt"
	elif [[ -n $auth ]]; then
		fetch "$url" "$RUN_DIR/login-$name.json" "" "$auth"
	fi
	[[ -z $cpu_pid ]] || ticks0=$(cpu_ticks "$cpu_pid")
	timeout 600 wrk "${args[@]}" -d"$DURATION" "$url" >"$out"
	CPU_US=''
	if [[ -n $ticks0 ]]; then
		local ticks1 requests
		ticks1=$(cpu_ticks "$cpu_pid")
		requests=$(awk '/requests in/ {print $1}' "$out")
		[[ -n $ticks1 && $requests -gt 0 ]] &&
			CPU_US=$(awk -v t=$((ticks1 - ticks0)) -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }')
	fi
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
	log "$name: $RPS req/s, p50 $P50 ms, p99 $P99 ms${CPU_US:+, server CPU $CPU_US µs per request}"
}

# cpu_ticks PID: the CPU time (user + system, in clock ticks) of process
# PID and of its children (nginx's workers), "" once PID is gone.
cpu_ticks() {
	local pid=$1 kid files
	[[ -r /proc/$pid/stat ]] || return 0
	files=("/proc/$pid/stat")
	for kid in $(cat /proc/"$pid"/task/*/children 2>/dev/null || true); do
		files+=("/proc/$kid/stat")
	done
	cat "${files[@]}" 2>/dev/null | awk '{ sub(/^.*\) /, ""); t += $12 + $13 } END { print t + 0 }'
}

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

# ---------------------------------------------------------------- PostgreSQL
# A throwaway cluster: initdb into a directory of the script's, pg_ctl
# start on a free loopback port with its socket in that directory, as the
# postgres user when the script runs as root. Durable: fsync and
# synchronous_commit keep their defaults (on).
PGDATA_DIR='' PG_PORT=''
readonly PG_OPTIONS='-c shared_buffers=256MB -c max_connections=100'

# pg_find_bin: the newest /usr/lib/postgresql/*/bin holding initdb, or nothing.
pg_find_bin() {
	local d
	d=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
	[[ -n $d && -x $d/initdb ]] && echo "$d"
	return 0
}

as_pg() {
	if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_start DIR: a new cluster in DIR (emptied first), started; sets
# PGDATA_DIR and PG_PORT. pg_stop stops it (the exit trap calls it).
pg_start() {
	local dir=$1 attempt
	unset PGPASSWORD PGHOST PGPORT PGUSER PGDATABASE
	# A cluster left running there by a killed run of ours goes first.
	if [[ -f $dir/postmaster.pid ]]; then
		as_pg "$PG_BIN/pg_ctl" stop -m fast -D "$dir" >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	mkdir -p "$dir"
	[[ $(id -u) == 0 ]] && chown postgres "$dir"
	as_pg "$PG_BIN/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C >"$dir.initdb.log" 2>&1 ||
		die "initdb failed (see $dir.initdb.log)"
	PGDATA_DIR=$dir
	for ((attempt = 0; attempt < 5; attempt++)); do
		PG_PORT=$(free_port)
		# shellcheck disable=SC2086 # PG_OPTIONS is split into words on purpose
		if as_pg "$PG_BIN/pg_ctl" start -w -t 60 -D "$dir" -l "$dir/log" \
			-o "-p $PG_PORT -k $dir -c listen_addresses=$HOST $PG_OPTIONS" >/dev/null; then
			return 0
		fi
		grep -q 'already in use' "$dir/log" || break
		log "port $PG_PORT was taken; retrying"
	done
	tail -n 20 "$dir/log" >&2
	die "PostgreSQL did not start (log: $dir/log)"
}

pg_stop() {
	if [[ -n $PGDATA_DIR && -f $PGDATA_DIR/postmaster.pid ]]; then
		as_pg "$PG_BIN/pg_ctl" stop -m fast -D "$PGDATA_DIR" >/dev/null 2>&1 || true
	fi
	PGDATA_DIR=''
}

pg_url() { echo "postgres://postgres@$HOST:$PG_PORT/$1?sslmode=disable"; }
pg_createdb() { as_pg "$PG_BIN/createdb" -h "$PGDATA_DIR" -p "$PG_PORT" -U postgres "$1"; }
pg_dropdb() { as_pg "$PG_BIN/dropdb" -h "$PGDATA_DIR" -p "$PG_PORT" -U postgres --if-exists "$1"; }

# pg_describe: the server's version and the settings that matter here.
pg_describe() {
	local v s
	v=$(as_pg "$PG_BIN/psql" -h "$PGDATA_DIR" -p "$PG_PORT" -U postgres -d postgres -Atc 'SHOW server_version')
	s=$(as_pg "$PG_BIN/psql" -h "$PGDATA_DIR" -p "$PG_PORT" -U postgres -d postgres -Atc \
		"SELECT string_agg(name || ' ' || current_setting(name), ', ' ORDER BY name) FROM pg_settings
		 WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_connections', 'wal_level')")
	echo "PostgreSQL $v: $s"
}
