# Shared helpers for bench/run.sh and bench/smoke.sh: start services on loopback, wait for them, and stop
# every process this shell started. Source it; needs only bash, dotnet and nats-server (no curl, no jq).

CC_ROOT="${CC_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
CC_PIDS=()
CC_LOGS="${CC_LOGS:-$(mktemp -d /tmp/conncount-bench.XXXXXX)}"

cc_log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# cc_assembly PROJECT_DIR NAME CONFIG: path of a built assembly, or empty.
cc_assembly() {
  local dll="$CC_ROOT/$1/bin/$3/net10.0/$2.dll"
  [ -f "$dll" ] && printf '%s' "$dll"
}

# cc_port_free PORT: true when nothing listens on 127.0.0.1:PORT.
cc_port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# cc_free_port: a free loopback port from a range no service here uses by default.
cc_free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$(( 20000 + RANDOM % 10000 ))
    if cc_port_free "$port"; then printf '%s' "$port"; return 0; fi
  done
  return 1
}

# cc_http_status URL_PATH PORT: the status code of GET http://127.0.0.1:PORT/PATH, or 000.
cc_http_status() {
  local path=$1 port=$2 line
  { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || { printf '000'; return; }
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&3
  IFS= read -r -t 5 line <&3 || line=""
  exec 3<&- 3>&-
  line=${line#HTTP/1.? }
  printf '%s' "${line:0:3}"
}

# cc_wait_http PATH PORT SECONDS PID: until GET answers 200, failing early if PID exits.
cc_wait_http() {
  local path=$1 port=$2 seconds=$3 pid=$4 deadline=$(( SECONDS + $3 ))
  while (( SECONDS < deadline )); do
    if ! kill -0 "$pid" 2>/dev/null; then cc_log "process $pid exited while starting (port $port)"; return 1; fi
    [ "$(cc_http_status "$path" "$port")" = "200" ] && return 0
    sleep 0.2
  done
  cc_log "127.0.0.1:$port$path not healthy after ${seconds}s"
  return 1
}

# cc_spawn NAME CMD...: starts CMD in the background with its output in $CC_LOGS/NAME.log; sets CC_LAST_PID.
cc_spawn() {
  local name=$1; shift
  "$@" >"$CC_LOGS/$name.log" 2>&1 &
  CC_LAST_PID=$!
  CC_PIDS+=("$CC_LAST_PID")
}

# cc_start_nats PORT [STORE_DIR MONITOR_PORT]: with a store, JetStream on (-js -sd) and monitoring (/jsz) on MONITOR_PORT.
cc_start_nats() {
  local extra=()
  [ -z "${2:-}" ] || extra=(-js -sd "$2" -m "$3")
  cc_spawn "nats-$1" nats-server -a 127.0.0.1 -p "$1" "${extra[@]}"
  local pid=$CC_LAST_PID deadline=$(( SECONDS + 15 ))
  until ! cc_port_free "$1"; do
    (( SECONDS < deadline )) && kill -0 "$pid" 2>/dev/null || { cc_log "nats-server did not start"; return 1; }
    sleep 0.1
  done
  CC_LAST_PID=$pid
}

# Settings every node gets in a benchmark: the capacity and flood limits raised above what is measured,
# so the figures are the node's, not its limiter's (the limiter's own cost per connect and join stays in).
# The idle timeout is raised too: ramping 19,000 sockets per client process on an overloaded 2-core machine
# can delay a client's 30 s heartbeats past the node's 60 s, and the node then rightly drops those sockets.
CC_NODE_ENV=(
  "ConnCount__Node__IdleTimeout=00:10:00"
  "ConnCount__Limits__MaxSocketsPerNode=1000000"
  "ConnCount__RateLimits__ConnectionsPerSecondPerIp=1000000"
  "ConnCount__RateLimits__ConnectionsPerSecondPerNode=1000000"
  "ConnCount__RateLimits__JoinsPerSecondPerSocket=1000000"
  # Every pending connection of the node may come from one LoadGen address (its 64 in flight fit the default too).
  "ConnCount__Connections__MaxPendingPerIp=400"
)

# Services run as in production (no developer exception page, no Development defaults); the StatsApi then
# needs a key, made up per run and sent by every client here.
CC_API_KEY="${CC_API_KEY:-bench-$RANDOM$RANDOM$RANDOM$RANDOM}"

# cc_start_node DLL NATS_PORT ID PORT [ENV=VALUE...]: starts a socket node and waits until it is healthy.
cc_start_node() {
  local dll=$1 nats=$2 id=$3 port=$4; shift 4
  cc_spawn "node-$id" env "ConnectionStrings__nats=nats://127.0.0.1:$nats" "ConnCount__Node__Id=$id" \
    "ASPNETCORE_ENVIRONMENT=Production" "Logging__LogLevel__Default=Warning" "${CC_NODE_ENV[@]}" "$@" \
    dotnet "$dll" --urls "http://127.0.0.1:$port"
  local pid=$CC_LAST_PID
  cc_wait_http /health "$port" 60 "$pid" || { tail -20 "$CC_LOGS/node-$id.log" >&2; return 1; }
  CC_LAST_PID=$pid
}

# cc_start_api DLL NATS_PORT PORT [ENV=VALUE...]: starts the StatsApi with the key $CC_API_KEY, and inline socket
# completions as the AppHost runs it.
cc_start_api() {
  local dll=$1 nats=$2 port=$3; shift 3
  cc_spawn "api-$port" env "ConnectionStrings__nats=nats://127.0.0.1:$nats" "ASPNETCORE_ENVIRONMENT=Production" \
    "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1" \
    "ConnCount__Api__Key=$CC_API_KEY" "Logging__LogLevel__Default=Warning" "$@" dotnet "$dll" --urls "http://127.0.0.1:$port"
  local pid=$CC_LAST_PID
  cc_wait_http /health "$port" 60 "$pid" || { tail -20 "$CC_LOGS/api-$port.log" >&2; return 1; }
  CC_LAST_PID=$pid
}

# cc_stop PID...: SIGTERM, then SIGKILL after 10 s; forgets the PIDs.
cc_stop() {
  local pid
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  local keep=() p
  for p in "${CC_PIDS[@]}"; do [[ " $* " == *" $p "* ]] || keep+=("$p"); done
  CC_PIDS=("${keep[@]}")
}

# cc_cleanup: stops everything this shell started; for an EXIT trap.
cc_cleanup() {
  if [ ${#CC_PIDS[@]} -gt 0 ]; then cc_stop "${CC_PIDS[@]}"; fi
}

# cc_wait_file PATH SECONDS PID: until PATH exists; fails if PID exits first without writing it.
cc_wait_file() {
  local path=$1 deadline=$(( SECONDS + $2 )) pid=$3
  while [ ! -f "$path" ]; do
    if (( SECONDS >= deadline )); then cc_log "no $path after $2 s"; return 1; fi
    if ! kill -0 "$pid" 2>/dev/null && [ ! -f "$path" ]; then cc_log "process $pid exited without writing $path"; return 1; fi
    sleep 0.2
  done
}

# cc_rss_kib PID: resident set size in KiB.
cc_rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
