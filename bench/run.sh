#!/usr/bin/env bash
# The benchmark suite in one command: builds Release, starts nats-server, the bare Kestrel baseline, socket
# nodes and the StatsApi on loopback, runs every scenario N times, and writes a markdown table of medians with
# the machine, the load and the commands. Every process it starts is stopped on exit, Ctrl+C included.
#
#   bash bench/run.sh                     # N=3, about 20-25 min on 2 cores
#   bash bench/run.sh --runs 5 --update-docs
#   bash bench/run.sh --no-build --only micro,cluster
#   bash bench/run.sh --only baseline,node --runs 1        # the one-node rows and their baseline only
#
# Options:
#   --runs N          runs per scenario; the table shows medians (default 3)
#   --no-build        use the Release builds already there
#   --only LIST       comma-separated: micro,baseline,node,durable,messages,presence,cluster,ten,churn (default: all)
#   --out DIR         where results go (default bench/results/<timestamp>; bench/results/latest.md is a copy)
#   --update-docs     also put the table into docs/benchmarks.md, between its results markers
#   --churn-events E  events of the churn scenario (default 1000000)
#   --duration D      length of each timed LoadGen workload: cycle, pairs, connect-close (default 10s)
#   --quick           small socket counts, 20,000 churn events, 5 s workloads: checks the script, not the targets
#
# The one-node rows compare the node with the bare Kestrel baseline (bench/ConnCount.Baseline) from the same run:
# memory per idle joined socket against its holding endpoint (/socket/websocket), and the cycle and pairs
# workloads, with the node's LoadGen options and warm-up, against its answering endpoint (/answer/websocket: a
# fixed Phoenix ok reply to every frame). They need both baseline and node in --only; with node alone the
# baseline columns read n/a. The presence section's memory row compares with the same holding baseline.
#
# Needs: dotnet, nats-server, jq. Loopback only; a process holds at most ~19,900 sockets (open-file limit), so
# socket counts are spread over several LoadGen processes and 127.0.x.y source addresses.
set -euo pipefail

RUNS=3
BUILD=1
ALL="micro,baseline,node,durable,messages,presence,cluster,ten,churn"
ONLY=$ALL
OUT=""
UPDATE_DOCS=0
CHURN_EVENTS=1000000
DURATION=""
QUICK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --only) ONLY=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --update-docs) UPDATE_DOCS=1; shift ;;
    --churn-events) CHURN_EVENTS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --quick) QUICK=1; CHURN_EVENTS=20000; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
# The command as the report records it: every option that changes a figure, none that names a path.
RUN_COMMAND="bash bench/run.sh --runs $RUNS"
[ "$ONLY" = "$ALL" ] || RUN_COMMAND+=" --only $ONLY"
[ "$QUICK" = 0 ] || RUN_COMMAND+=" --quick"
[ -z "$DURATION" ] || RUN_COMMAND+=" --duration $DURATION"
[ "$CHURN_EVENTS" = 1000000 ] || [ "$QUICK" = 1 ] || RUN_COMMAND+=" --churn-events $CHURN_EVENTS"
if [ -z "$DURATION" ]; then DURATION=10s; [ "$QUICK" = 0 ] || DURATION=5s; fi

# The node and the answering baseline run the timed workloads with exactly these options (plus their own
# source addresses, so one workload's TIME_WAIT ports never limit the next).
CYCLE_OPTS=(--concurrency 32 --duration "$DURATION" --topics 100)
PAIRS_OPTS=(--sockets 200 --window 8 --duration "$DURATION" --topics 100)

source "$(dirname "$0")/scripts/lib.sh"
trap cc_cleanup EXIT
trap 'cc_log "interrupted"; exit 130' INT TERM
cd "$CC_ROOT"
command -v jq >/dev/null || { echo "bench/run.sh needs jq (apt-get install jq)" >&2; exit 2; }
command -v nats-server >/dev/null || { echo "bench/run.sh needs nats-server (apt-get install nats-server)" >&2; exit 2; }

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${OUT:-bench/results/$STAMP}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CC_LOGS="$OUT/logs"
mkdir -p "$CC_LOGS"
wants() { [[ ",$ONLY," == *",$1,"* ]]; }

# ---------------------------------------------------------------- build
PROJECTS=(ConnCount.SocketNode ConnCount.StatsApi bench/ConnCount.LoadGen bench/ConnCount.Baseline bench/ConnCount.GatherBench bench/ConnCount.Benchmarks)
if [ "$BUILD" = 1 ]; then
  for project in "${PROJECTS[@]}"; do
    cc_log "build $project (Release)"
    dotnet build -c Release "$project" -warnaserror -nologo -v q >"$CC_LOGS/build-${project//\//-}.log" 2>&1 \
      || { tail -30 "$CC_LOGS/build-${project//\//-}.log"; exit 1; }
  done
fi
NODE=$(cc_assembly ConnCount.SocketNode ConnCount.SocketNode Release)
API=$(cc_assembly ConnCount.StatsApi ConnCount.StatsApi Release)
LG=$(cc_assembly bench/ConnCount.LoadGen ConnCount.LoadGen Release)
BASE=$(cc_assembly bench/ConnCount.Baseline ConnCount.Baseline Release)
GB=$(cc_assembly bench/ConnCount.GatherBench ConnCount.GatherBench Release)
MICRO=$(cc_assembly bench/ConnCount.Benchmarks ConnCount.Benchmarks Release)
for dll in NODE API LG BASE GB MICRO; do [ -n "${!dll}" ] || { echo "missing Release build ($dll); run without --no-build" >&2; exit 1; }; done

# ---------------------------------------------------------------- recording
declare -A FIG        # figure name -> median
declare -A LOADS      # scenario -> load average when it started
COMMANDS=()           # representative command lines, for the report
load_now() { cut -d' ' -f1-3 /proc/loadavg; }
# Commands are recorded relative to the repository root, so results carry no path of this machine.
note_cmd() { local cmd="$*"; COMMANDS+=("${cmd//"$CC_ROOT/"/}"); }

# median V...: the median of the numbers given (mean of the middle two for an even count).
median() { printf '%s\n' "$@" | grep -E '^-?[0-9.]+(e[-+]?[0-9]+)?$' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# fmt V [DECIMALS]
fmt() { [ "$1" = "n/a" ] && { printf 'n/a'; return; }; LC_ALL=C printf "%.${2:-0}f" "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
# le A B / ge A B: numeric comparisons that are false for n/a.
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "n/a" && b != "n/a" && a + 0 <= b + 0) }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "n/a" && b != "n/a" && a + 0 >= b + 0) }'; }
verdict() { if "$@"; then printf 'met'; else printf '**missed**'; fi; }
# baseline_verdict TEST...: the verdict of a ratio to the baseline, or a note that the baseline did not run.
baseline_verdict() { if wants baseline; then verdict "$@"; else printf 'no baseline in --only'; fi; }

# loadgen NAME MODE ARGS...: runs a LoadGen to completion, report in $OUT/NAME.json.
loadgen() {
  local name=$1; shift
  dotnet "$LG" "$@" --progress 0 --json "$OUT/$name.json" >"$CC_LOGS/$name.log" 2>&1 || cc_log "loadgen $name exited $?"
}

# loadgen_hold NAME ARGS...: a hold that keeps its sockets open (linger) until stopped; sets HOLD_PID.
loadgen_hold() {
  local name=$1; shift
  rm -f "$OUT/$name.json"
  dotnet "$LG" hold "$@" --duration 1s --linger 1800s --progress 0 --json "$OUT/$name.json" >"$CC_LOGS/$name.log" 2>&1 &
  HOLD_PID=$!
  CC_PIDS+=("$HOLD_PID")
}

jqf() { jq -r "$1" "$2" 2>/dev/null || printf 'n/a'; }

# hold_sockets PREFIX PER_PROCESS URLS SOURCE_BASE PROTOCOL: opens PER_PROCESS sockets from each
# of len(URLS) processes (process i -> URLS[i], source 127.0.SOURCE_BASE.(i+1)); sets HOLD_PIDS and HOLD_OPEN.
hold_sockets() {
  local prefix=$1 per=$2 urls=$3 base=$4 protocol=$5 i=0 url
  HOLD_PIDS=()
  for url in ${urls//,/ }; do
    i=$((i + 1))
    loadgen_hold "$prefix-$i" --url "$url" --sockets "$per" --topics 100 --joins-per-socket 1 --concurrency 64 \
      --protocol "$protocol" --source-ips "127.0.$base.$i" --timeout 30s
    HOLD_PIDS+=("$HOLD_PID")
  done
  HOLD_OPEN=0
  for i in $(seq 1 ${#HOLD_PIDS[@]}); do
    cc_wait_file "$OUT/$prefix-$i.json" 300 "${HOLD_PIDS[$((i - 1))]}" || return 1
    HOLD_OPEN=$(( HOLD_OPEN + $(jqf '.counters.open_sockets' "$OUT/$prefix-$i.json") ))
  done
}

# rss_per_socket PID BEFORE_KIB SOCKETS: bytes of resident memory per socket over BEFORE.
rss_per_socket() { awk -v now="$(cc_rss_kib "$1")" -v before="$2" -v n="$3" 'BEGIN { printf "%.0f", (now - before) * 1024 / n }'; }

# drained_baseline PORT: waits (up to 120 s) until the baseline reports no open socket after a teardown.
drained_baseline() {
  local deadline=$(( SECONDS + 120 ))
  while (( SECONDS < deadline )); do
    [ "$(http_body "$1" /memory | jq -r '.open_sockets' 2>/dev/null)" = "0" ] && return 0
    sleep 1
  done
  cc_log "baseline on $1 still has open sockets"
}

# http_body PORT PATH: the body of GET http://127.0.0.1:PORT/PATH (HTTP/1.0, no curl needed).
http_body() {
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
  sed '1,/^\r$/d' <&3
  exec 3<&- 3>&-
}

# drained_cluster STATS_URL NODES: waits until GET /api/stats shows no socket and no membership, so the next
# scenario does not run while the nodes are still ending thousands of aborted sockets.
drained_cluster() {
  printf '{"replies_settled":true,"ledger":{"topics":{}},"counters":{"open_sockets":0}}\n' >"$OUT/empty-ledger.json"
  dotnet "$GB" verify --api-key "$CC_API_KEY" --url "$1" --nodes "$2" --duration 120s --ledger "$OUT/empty-ledger.json" >>"$CC_LOGS/drain.log" 2>&1 \
    || cc_log "the cluster did not drain in 120 s"
}

# warm PORT PROTOCOL [PATH]: a short hold (500 sockets, one join each with the phoenix protocol) so the server's
# code is compiled before memory or throughput is read. PATH defaults to /socket/websocket.
warm() {
  local path=${3:-/socket/websocket}
  loadgen "warm-$1${path//\//-}" hold --url "ws://127.0.0.1:$1$path" --sockets 500 --topics 100 --duration 1s --protocol "$2" --source-ips 127.0.9.1 || true
  sleep 3
}

MACHINE="$(nproc) cores ($(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2; exit }')), $(free -g | awk '/^Mem:/ { print $2 }') GiB, kernel $(uname -r), dotnet $(dotnet --version), open files $(ulimit -n)"
LOAD_START=$(load_now)
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || printf 'unknown')"
git diff --quiet HEAD 2>/dev/null || COMMIT+=" with uncommitted changes"
cc_log "results in $OUT; machine: $MACHINE; load $LOAD_START"

HOLD_ONE=19500          # sockets one node must hold
HOLD_CLUSTER=19000      # per node in the 3-node cluster (57,000 in all)
FANOUT_MEMBERS=10000    # members of the fan-out latency topic, over 3 nodes
FANOUT_MESSAGES=200     # measured messages of the fan-out latency
PRESENCE_ROUNDS=500     # measured join/leave rounds of the presence latency
if [ "$QUICK" = 1 ]; then HOLD_ONE=2000; HOLD_CLUSTER=1000; FANOUT_MEMBERS=1000; FANOUT_MESSAGES=50; PRESENCE_ROUNDS=100; fi

# ---------------------------------------------------------------- micro-benchmarks
if wants micro; then
  LOADS[micro]=$(load_now)
  cc_log "micro-benchmarks (BenchmarkDotNet, in-process)"
  note_cmd "dotnet $MICRO --filter '*' --inProcess --warmupCount 3 --iterationCount 15 --exporters json --artifacts $OUT/bdn"
  dotnet "$MICRO" --filter '*' --inProcess --warmupCount 3 --iterationCount 15 --exporters json --artifacts "$OUT/bdn" >"$CC_LOGS/micro.log" 2>&1 \
    || { tail -30 "$CC_LOGS/micro.log"; exit 1; }
  bdn() { jq -r --arg m "$2" '.Benchmarks[] | select(.Method == $m) | .Statistics.Median' "$OUT"/bdn/results/*"$1"*-report*.json | head -1; }
  # bdn_param CLASS METHOD PARAMETERS: the median of one parameter set, e.g. "Nodes=3&Topics=1000".
  bdn_param() { jq -r --arg m "$2" --arg p "$3" '.Benchmarks[] | select(.Method == $m and .Parameters == $p) | .Statistics.Median' "$OUT"/bdn/results/*"$1"*-report*.json | head -1; }
  FIG[incr_ns]=$(bdn RegistryContention SharedIncrement)
  FIG[reg_same_ns]=$(bdn RegistryContention JoinLeaveSameTopic)
  FIG[reg_own_ns]=$(bdn RegistryContention JoinLeaveOwnTopic)
  FIG[reg_zero_ns]=$(bdn RegistryContention JoinLeaveFromZero)
  FIG[parse_join_ns]=$(bdn FrameParser ParseJoin)
  FIG[parse_hb_ns]=$(bdn FrameParser ParseHeartbeat)
  FIG[agg3_us]=$(awk -v v="$(bdn_param Aggregation Aggregate 'Nodes=3&Topics=1000')" 'BEGIN { print v / 1000 }')
  FIG[agg10_us]=$(awk -v v="$(bdn_param Aggregation Aggregate 'Nodes=10&Topics=1000')" 'BEGIN { print v / 1000 }')
  # Keep BenchmarkDotNet's own tables next to the results.
  cat "$CC_LOGS/micro.log" | grep -E '^\|' >"$OUT/micro-tables.md" || true
fi

# ---------------------------------------------------------------- baseline: bare Kestrel
if wants baseline; then
  LOADS[baseline]=$(load_now)
  mem=(); cyc=(); acyc=(); apairs=()
  for run in $(seq 1 "$RUNS"); do
    port=$(cc_free_port)
    cc_spawn "baseline-$run" dotnet "$BASE" --urls "http://127.0.0.1:$port" --report-interval-seconds 0
    pid=$CC_LAST_PID
    cc_wait_http /memory "$port" 60 "$pid"
    warm "$port" none
    before=$(cc_rss_kib "$pid")
    url="ws://127.0.0.1:$port/socket/websocket"
    cc_log "baseline run $run: holding $HOLD_ONE sockets"
    hold_sockets "baseline-hold-$run" $((HOLD_ONE / 2)) "$url,$url" 1 none
    # Same settling time for both servers; idle per-socket join-rate partitions expire after 10 s.
    sleep 15
    mem+=("$(rss_per_socket "$pid" "$before" "$HOLD_OPEN")")
    FIG[baseline_open]=$HOLD_OPEN
    cc_stop "${HOLD_PIDS[@]}"
    drained_baseline "$port"
    cc_log "baseline run $run: connect+close"
    loadgen "baseline-cc-$run" connect-close --url "$url" --concurrency 32 --duration "$DURATION" --source-ips 127.0.11.1-8
    cyc+=("$(jqf '.rate.per_second' "$OUT/baseline-cc-$run.json")")
    # The same workloads as the node's, after the same warm-up, on the endpoint that answers every frame.
    answer="ws://127.0.0.1:$port/answer/websocket"
    warm "$port" phoenix /answer/websocket
    cc_log "baseline run $run: connect+join+leave+close cycles (answering)"
    loadgen "baseline-cycle-$run" cycle --url "$answer" "${CYCLE_OPTS[@]}" --source-ips 127.0.15.1-8
    acyc+=("$(jqf '.rate.per_second' "$OUT/baseline-cycle-$run.json")")
    cc_log "baseline run $run: join/leave pairs on open sockets (answering)"
    loadgen "baseline-pairs-$run" pairs --url "$answer" "${PAIRS_OPTS[@]}" --source-ips 127.0.16.1
    apairs+=("$(jqf '.rate.per_second' "$OUT/baseline-pairs-$run.json")")
    cc_stop "$pid"
  done
  FIG[baseline_mem]=$(median "${mem[@]}")
  FIG[baseline_cc]=$(median "${cyc[@]}")
  FIG[baseline_cycles]=$(median "${acyc[@]}")
  FIG[baseline_pairs]=$(median "${apairs[@]}")
  note_cmd "dotnet $BASE --urls http://127.0.0.1:PORT --report-interval-seconds 0"
  note_cmd "dotnet $LG hold --url ws://127.0.0.1:PORT/socket/websocket --sockets $((HOLD_ONE / 2)) --protocol none --source-ips 127.0.1.1 --duration 1s --linger 1800s --json F   (x2 processes; RSS from /proc after a 500-socket warm-up and 15 s after the ramp)"
  note_cmd "dotnet $LG connect-close --url ws://127.0.0.1:PORT/socket/websocket --concurrency 32 --duration $DURATION --source-ips 127.0.11.1-8"
  note_cmd "dotnet $LG hold --url ws://127.0.0.1:PORT/answer/websocket --sockets 500 --topics 100 --duration 1s --source-ips 127.0.9.1   (warm-up; the node gets the same on /socket/websocket)"
  note_cmd "dotnet $LG cycle --url ws://127.0.0.1:PORT/answer/websocket ${CYCLE_OPTS[*]} --source-ips 127.0.15.1-8"
  note_cmd "dotnet $LG pairs --url ws://127.0.0.1:PORT/answer/websocket ${PAIRS_OPTS[*]} --source-ips 127.0.16.1"
fi

# ---------------------------------------------------------------- one socket node
if wants node; then
  LOADS[node]=$(load_now)
  nats=$(cc_free_port); cc_start_nats "$nats"; nats_pid=$CC_LAST_PID
  api=$(cc_free_port); cc_start_api "$API" "$nats" "$api"; api_pid=$CC_LAST_PID
  mem=(); cyc=(); pairs=(); exact=0
  for run in $(seq 1 "$RUNS"); do
    port=$(cc_free_port)
    cc_start_node "$NODE" "$nats" "n1" "$port"; pid=$CC_LAST_PID
    warm "$port" phoenix
    before=$(cc_rss_kib "$pid")
    url="ws://127.0.0.1:$port/socket/websocket"
    cc_log "node run $run: holding $HOLD_ONE joined sockets"
    hold_sockets "node-hold-$run" $((HOLD_ONE / 2)) "$url,$url" 2 phoenix
    # Same settling time for both servers; idle per-socket join-rate partitions expire after 10 s.
    sleep 15
    mem+=("$(rss_per_socket "$pid" "$before" "$HOLD_OPEN")")
    FIG[node_open]=$HOLD_OPEN
    if dotnet "$GB" verify --api-key "$CC_API_KEY" --url "http://127.0.0.1:$api/api/stats" --nodes 1 --duration 20s \
        --ledger "$OUT/node-hold-$run-1.json,$OUT/node-hold-$run-2.json" >"$CC_LOGS/node-verify-$run.log" 2>&1; then
      exact=$((exact + 1))
    fi
    cat "$CC_LOGS/node-verify-$run.log" >&2
    cc_stop "${HOLD_PIDS[@]}"
    drained_cluster "http://127.0.0.1:$api/api/stats" 1
    cc_log "node run $run: connect+join+leave+close cycles"
    loadgen "node-cycle-$run" cycle --url "$url" "${CYCLE_OPTS[@]}" --source-ips 127.0.12.1-8
    cyc+=("$(jqf '.rate.per_second' "$OUT/node-cycle-$run.json")")
    cc_log "node run $run: join/leave pairs on open sockets"
    loadgen "node-pairs-$run" pairs --url "$url" "${PAIRS_OPTS[@]}" --source-ips 127.0.13.1
    pairs+=("$(jqf '.rate.per_second' "$OUT/node-pairs-$run.json")")
    cc_stop "$pid"
  done
  FIG[node_mem]=$(median "${mem[@]}")
  FIG[node_cycles]=$(median "${cyc[@]}")
  FIG[node_pairs]=$(median "${pairs[@]}")
  FIG[node_exact]="$exact/$RUNS"
  cc_stop "$api_pid" "$nats_pid"
  note_cmd "dotnet $NODE --urls http://127.0.0.1:PORT   (env: ConnectionStrings__nats, ConnCount__Node__Id, ASPNETCORE_ENVIRONMENT=Production, ${CC_NODE_ENV[*]})"
  note_cmd "dotnet $API --urls http://127.0.0.1:API   (env: ConnectionStrings__nats, ASPNETCORE_ENVIRONMENT=Production, DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 as the AppHost sets it, ConnCount__Api__Key=KEY; every GatherBench call below except nats also passes --api-key KEY)"
  note_cmd "dotnet $LG hold --url ws://127.0.0.1:PORT/socket/websocket --sockets $((HOLD_ONE / 2)) --topics 100 --joins-per-socket 1 --source-ips 127.0.2.1 --duration 1s --linger 1800s --json F   (x2 processes)"
  note_cmd "dotnet $GB verify --url http://127.0.0.1:API/api/stats --nodes 1 --ledger F1,F2"
  note_cmd "dotnet $LG cycle --url ws://127.0.0.1:PORT/socket/websocket ${CYCLE_OPTS[*]} --source-ips 127.0.12.1-8"
  note_cmd "dotnet $LG pairs --url ws://127.0.0.1:PORT/socket/websocket ${PAIRS_OPTS[*]} --source-ips 127.0.13.1"
fi

# ---------------------------------------------------------------- durable usage on and off
# Durable usage: the same pairs with JetStream on and durable usage on, then off, alternating runs; the usage
# records written to the CONNCOUNT_USAGE stream during the "on" runs, per second (from the server's /jsz).
stream_state() {
  curl -s "http://127.0.0.1:$1/jsz?streams=true" \
    | jq -r '[.account_details[]?.stream_detail[]? | select(.name == "CONNCOUNT_USAGE") | .state] | first // {messages: 0, bytes: 0} | "\(.messages) \(.bytes)"'
}
if wants durable; then
  LOADS[durable]=$(load_now)
  store=$(mktemp -d); nats=$(cc_free_port); mon=$(cc_free_port); cc_start_nats "$nats" "$store" "$mon"; nats_pid=$CC_LAST_PID
  on=(); off=(); msgs=(); bytes=()
  for run in $(seq 1 "$RUNS"); do
    for mode in on off; do
      port=$(cc_free_port)
      enabled=true; [ "$mode" = on ] || enabled=false
      cc_start_node "$NODE" "$nats" "n1" "$port" "ConnCount__Usage__Durable__Enabled=$enabled"; pid=$CC_LAST_PID
      warm "$port" phoenix
      read -r m0 b0 <<<"$(stream_state "$mon")"; t0=$(date +%s%N)
      cc_log "durable run $run: join/leave pairs with durable usage $mode"
      loadgen "durable-$mode-pairs-$run" pairs --url "ws://127.0.0.1:$port/socket/websocket" "${PAIRS_OPTS[@]}" --source-ips 127.0.17.1
      # One flush interval more, so the records of the pairs' last seconds are written too.
      sleep 11
      read -r m1 b1 <<<"$(stream_state "$mon")"; t1=$(date +%s%N)
      rate=$(jqf '.rate.per_second' "$OUT/durable-$mode-pairs-$run.json")
      if [ "$mode" = on ]; then
        on+=("$rate")
        msgs+=("$(awk -v a="$m0" -v b="$m1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.3f", (b - a) / ((t1 - t0) / 1e9) }')")
        bytes+=("$(awk -v a="$b0" -v b="$b1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f", (b - a) / ((t1 - t0) / 1e9) }')")
      else
        off+=("$rate")
      fi
      cc_stop "$pid"
    done
  done
  cc_stop "$nats_pid"; rm -rf "$store"
  FIG[durable_on_pairs]=$(median "${on[@]}")
  FIG[durable_off_pairs]=$(median "${off[@]}")
  FIG[durable_msgs_per_s]=$(median "${msgs[@]}")
  FIG[durable_bytes_per_s]=$(median "${bytes[@]}")
  note_cmd "nats-server -js -sd DIR -m MON; node with ConnCount__Usage__Durable__Enabled=true|false, alternating; dotnet $LG pairs --url ws://127.0.0.1:PORT/socket/websocket ${PAIRS_OPTS[*]} --source-ips 127.0.17.1; stream CONNCOUNT_USAGE messages and bytes from MON/jsz?streams=true before and 11 s after"
fi

# ---------------------------------------------------------------- messages
# Fan-out on one node: 101 sockets on one topic with a messages rule, the first pushing with 32 messages in flight
# (its rate limit raised above what is measured), every other receiving each message as a broadcast.
if wants messages; then
  LOADS[messages]=$(load_now)
  nats=$(cc_free_port); cc_start_nats "$nats"; nats_pid=$CC_LAST_PID
  fan=()
  for run in $(seq 1 "$RUNS"); do
    port=$(cc_free_port)
    cc_start_node "$NODE" "$nats" "n1" "$port" "ConnCount__Messages__Topics__0__Pattern=room:*" \
      "ConnCount__Messages__Topics__0__MessagesPerSecondPerSocket=100000"; pid=$CC_LAST_PID
    cc_log "messages run $run: one sender, fan-out 100"
    loadgen "fanout-$run" fanout --url "ws://127.0.0.1:$port/socket/websocket" --sockets 101 --topics 1 --window 32 --duration "$DURATION" --source-ips 127.0.18.1
    fan+=("$(jqf '.rate.per_second' "$OUT/fanout-$run.json")")
    FIG[fanout_exact]=$(jq -r 'if .counters.pushes == .counters.messages_acked * 100 then "all" else "\(.counters.pushes) of \(.counters.messages_acked * 100)" end' "$OUT/fanout-$run.json" 2>/dev/null || echo n/a)
    cc_stop "$pid"
  done
  cc_stop "$nats_pid"
  FIG[fanout_rate]=$(median "${fan[@]}")
  note_cmd "node with ConnCount__Messages__Topics__0__Pattern=room:* and MessagesPerSecondPerSocket=100000; dotnet $LG fanout --url ws://127.0.0.1:PORT/socket/websocket --sockets 101 --topics 1 --window 32 --duration $DURATION --source-ips 127.0.18.1"
fi

# ---------------------------------------------------------------- presence and fan-out latency, 3 nodes
# Three nodes with two message rules: room:* tracks presence, fan:* carries messages without it (10,000 members of one
# presence topic would be 10,000 presences diffed to one another, a different workload from one message's fan-out).
# Per run, on fresh nodes after the usual warm-up (which joins room:* topics, so presence is compiled too):
#  - presence latency: a joiner on node 2 joins and leaves room:presence-0 where a watcher on node 1 is a member
#    (first, on quiet nodes: after the memory step the nodes are still busy with 19,500 presence leaves);
#  - memory: as many idle joined sockets as the baseline holds, a third per node, each on one of 100 room:* presence
#    topics; RSS growth of the three nodes together over the sockets (every node keeps every node's presences of its
#    topics, so this is what a socket costs a 3-node cluster);
#  - fan-out latency: FANOUT_MEMBERS members of fan:0 over the 3 nodes; a sender on node 1 pushes one message at a time.
PRESENCE_ENV=(
  "ConnCount__Messages__Topics__0__Pattern=room:*"
  "ConnCount__Messages__Topics__0__Presence=true"
  "ConnCount__Messages__Topics__1__Pattern=fan:*"
  "ConnCount__Messages__Topics__1__MessagesPerSecondPerSocket=100000"
)
if wants presence; then
  LOADS[presence]=$(load_now)
  nats=$(cc_free_port); cc_start_nats "$nats"; nats_pid=$CC_LAST_PID
  api=$(cc_free_port); cc_start_api "$API" "$nats" "$api"; api_pid=$CC_LAST_PID
  mem=(); pj50=(); pj99=(); pjmax=(); pjsend=(); fl50=(); fl99=(); flmax=(); fany=(); fexact=0; pmissed=0; pbefore=0
  for run in $(seq 1 "$RUNS"); do
    ports=(); pids=()
    for i in 1 2 3; do
      port=$(cc_free_port); cc_start_node "$NODE" "$nats" "p$i-$run" "$port" "${PRESENCE_ENV[@]}"
      ports+=("$port"); pids+=("$CC_LAST_PID")
    done
    purls="ws://127.0.0.1:${ports[0]}/socket/websocket,ws://127.0.0.1:${ports[1]}/socket/websocket,ws://127.0.0.1:${ports[2]}/socket/websocket"
    for i in 0 1 2; do warm "${ports[$i]}" phoenix; done

    LOADS[presence_latency]=$(load_now)
    cc_log "presence run $run: $PRESENCE_ROUNDS presence join/leave rounds, joiner on node 2, watcher on node 1"
    loadgen "presence-latency-$run" presence-latency --url "ws://127.0.0.1:${ports[0]}/socket/websocket" --url "ws://127.0.0.1:${ports[1]}/socket/websocket" \
      --topic-prefix room:presence- --topics 1 --iterations "$PRESENCE_ROUNDS" --warmup 20 --spacing 10ms --source-ips 127.0.21.1
    f="$OUT/presence-latency-$run.json"
    pj50+=("$(jqf '.latency_ms.presence_join_diff.p50_ms' "$f")"); pj99+=("$(jqf '.latency_ms.presence_join_diff.p99_ms' "$f")"); pjmax+=("$(jqf '.latency_ms.presence_join_diff.max_ms' "$f")")
    pmissed=$(( pmissed + $(jq -r '.counters.presence_diffs_missed' "$f" 2>/dev/null || echo 1) ))
    pjsend+=("$(jqf '.latency_ms.presence_join_diff_from_send.p99_ms' "$f")")
    pbefore=$(( pbefore + $(jq -r '.counters.presence_diffs_before_reply' "$f" 2>/dev/null || echo 0) ))

    # The latency run's topic retires 2 s after its last member; then the memory baseline.
    sleep 3
    before=0
    for pid in "${pids[@]}"; do before=$(( before + $(cc_rss_kib "$pid") )); done

    LOADS[presence_hold]=$(load_now)
    cc_log "presence run $run: holding $HOLD_ONE joined sockets on 100 presence topics over 3 nodes"
    hold_sockets "presence-hold-$run" $((HOLD_ONE / 3)) "$purls" 20 phoenix
    sleep 15
    now=0
    for pid in "${pids[@]}"; do now=$(( now + $(cc_rss_kib "$pid") )); done
    mem+=("$(awk -v now="$now" -v before="$before" -v n="$HOLD_OPEN" 'BEGIN { printf "%.0f", (now - before) * 1024 / n }')")
    FIG[presence_open]=$HOLD_OPEN
    cc_stop "${HOLD_PIDS[@]}"
    drained_cluster "http://127.0.0.1:$api/api/stats" 3
    # The counts drain first; the nodes' presence leaves of 19,500 sockets (diffs, replicas) settle after them.
    sleep 10

    LOADS[presence_fanout]=$(load_now)
    cc_log "presence run $run: one message at a time to $FANOUT_MEMBERS members over 3 nodes"
    loadgen "fanout-latency-$run" fanout-latency --url "ws://127.0.0.1:${ports[0]}/socket/websocket" --url "ws://127.0.0.1:${ports[1]}/socket/websocket" \
      --url "ws://127.0.0.1:${ports[2]}/socket/websocket" --topic-prefix fan: --topics 1 --sockets "$FANOUT_MEMBERS" --messages "$FANOUT_MESSAGES" \
      --warmup 20 --concurrency 64 --timeout 30s --source-ips 127.0.22.1-2
    f="$OUT/fanout-latency-$run.json"
    fl50+=("$(jqf '.latency_ms.last_delivery.p50_ms' "$f")"); fl99+=("$(jqf '.latency_ms.last_delivery.p99_ms' "$f")"); flmax+=("$(jqf '.latency_ms.last_delivery.max_ms' "$f")")
    fany+=("$(jqf '.latency_ms.delivery.p50_ms' "$f")")
    if jq -e --argjson n "$FANOUT_MEMBERS" --argjson m "$FANOUT_MESSAGES" \
        '.counters.members_complete == $n and .counters.messages_complete == $m and .counters.deliveries_missing == 0 and .counters.deliveries_out_of_order == 0' "$f" >/dev/null 2>&1; then
      fexact=$((fexact + 1))
    fi
    cc_stop "${pids[@]}"
  done
  cc_stop "$api_pid" "$nats_pid"
  FIG[presence_mem]=$(median "${mem[@]}")
  FIG[presence_p50]=$(median "${pj50[@]}"); FIG[presence_p99]=$(median "${pj99[@]}"); FIG[presence_max]=$(median "${pjmax[@]}")
  FIG[presence_missed]=$pmissed; FIG[presence_before_reply]=$pbefore; FIG[presence_send_p99]=$(median "${pjsend[@]}")
  FIG[presence_mem_runs]=$(IFS=,; printf '%s' "${mem[*]}" | sed 's/,/, /g')
  FIG[fanlat_delivery_p50]=$(median "${fany[@]}")
  FIG[fanlat_p50]=$(median "${fl50[@]}"); FIG[fanlat_p99]=$(median "${fl99[@]}"); FIG[fanlat_max]=$(median "${flmax[@]}")
  FIG[fanlat_exact]="$fexact/$RUNS"
  FIG[fanout_members]=$FANOUT_MEMBERS; FIG[fanout_messages]=$FANOUT_MESSAGES; FIG[presence_rounds]=$PRESENCE_ROUNDS
  note_cmd "dotnet $NODE --urls http://127.0.0.1:NODE_i   (x3; env: ConnectionStrings__nats, ConnCount__Node__Id, ASPNETCORE_ENVIRONMENT=Production, ${CC_NODE_ENV[*]} ${PRESENCE_ENV[*]}; a StatsApi beside them only to wait for the drain after the hold)"
  note_cmd "dotnet $LG hold --url ws://127.0.0.1:NODE_i/socket/websocket --sockets $((HOLD_ONE / 3)) --topics 100 --joins-per-socket 1 --source-ips 127.0.20.i --duration 1s --linger 1800s --json Fi   (one process per node, i = 1..3; RSS of the 3 nodes from /proc after a 500-socket warm-up each and the presence latency run, and 15 s after the ramp)"
  note_cmd "dotnet $LG presence-latency --url ws://127.0.0.1:NODE1/socket/websocket --url ws://127.0.0.1:NODE2/socket/websocket --topic-prefix room:presence- --topics 1 --iterations $PRESENCE_ROUNDS --warmup 20 --spacing 10ms --source-ips 127.0.21.1"
  note_cmd "dotnet $LG fanout-latency --url NODE1 --url NODE2 --url NODE3 --topic-prefix fan: --topics 1 --sockets $FANOUT_MEMBERS --messages $FANOUT_MESSAGES --warmup 20 --concurrency 64 --timeout 30s --source-ips 127.0.22.1-2"
fi

# ---------------------------------------------------------------- 3-node cluster (+ 10 nodes, + churn)
if wants cluster || wants ten || wants churn; then
  nats=$(cc_free_port); cc_start_nats "$nats"
  NODE_PORTS=(); NODE_PIDS=()
  for i in 1 2 3; do
    port=$(cc_free_port); cc_start_node "$NODE" "$nats" "n$i" "$port"
    NODE_PORTS+=("$port"); NODE_PIDS+=("$CC_LAST_PID")
  done
  api=$(cc_free_port); cc_start_api "$API" "$nats" "$api"
  STATS="http://127.0.0.1:$api/api/stats"
  URLS="ws://127.0.0.1:${NODE_PORTS[0]}/socket/websocket,ws://127.0.0.1:${NODE_PORTS[1]}/socket/websocket,ws://127.0.0.1:${NODE_PORTS[2]}/socket/websocket"
  for i in 0 1 2; do warm "${NODE_PORTS[$i]}" phoenix; done

  # gather_series PREFIX NODES [nats]: N runs of the raw gather and of GET /api/stats, taken in turn from one process
  # (GatherBench paired: run one series after the other, the two saw different moments of the shared machine and
  # their ratio moved by a third between runs); with "nats", the raw gather alone. Sets *_p50/*_p99 medians. 3,000
  # warm-up requests each, so both are measured on tiered-JIT-compiled code: with 300, a fresh API still ran part of
  # its request path as tier-0 code (p50 0.68 ms, then 0.58 ms for the same series run again at once).
  gather_series() {
    local prefix=$1 nodes=$2 run gp50=() gp99=() hp50=() hp99=() f
    for run in $(seq 1 "$RUNS"); do
      if [ "${3:-http}" = http ]; then
        f="$OUT/$prefix-paired-$run.json"
        dotnet "$GB" paired --api-key "$CC_API_KEY" --nats "nats://127.0.0.1:$nats" --url "$STATS" --nodes "$nodes" --iterations 2000 --warmup 3000 --json "$f" >>"$CC_LOGS/$prefix.log" 2>&1 || true
        gp50+=("$(jqf '.raw.p50_ms' "$f")"); gp99+=("$(jqf '.raw.p99_ms' "$f")")
        hp50+=("$(jqf '.latency.p50_ms' "$f")"); hp99+=("$(jqf '.latency.p99_ms' "$f")")
      else
        f="$OUT/$prefix-nats-$run.json"
        dotnet "$GB" nats --nats "nats://127.0.0.1:$nats" --nodes "$nodes" --iterations 2000 --warmup 3000 --json "$f" >>"$CC_LOGS/$prefix.log" 2>&1 || true
        gp50+=("$(jqf '.latency.p50_ms' "$f")"); gp99+=("$(jqf '.latency.p99_ms' "$f")")
      fi
    done
    FIG[${prefix}_nats_p50]=$(median "${gp50[@]}"); FIG[${prefix}_nats_p99]=$(median "${gp99[@]}")
    if [ ${#hp50[@]} -gt 0 ]; then FIG[${prefix}_http_p50]=$(median "${hp50[@]}"); FIG[${prefix}_http_p99]=$(median "${hp99[@]}"); fi
  }

  if wants cluster; then
    LOADS[cluster]=$(load_now)
    cc_log "3 nodes idle: gather latency"
    gather_series idle3 3
    rps=(); gathers=(); burst=()
    for run in $(seq 1 "$RUNS"); do
      cc_log "3 nodes idle: 1,000 pollers, run $run"
      dotnet "$GB" pollers --api-key "$CC_API_KEY" --url "$STATS" --nats "nats://127.0.0.1:$nats" --nodes 3 --pollers 1000 --duration 10s --timeout 10s \
        --json "$OUT/pollers-$run.json" >>"$CC_LOGS/pollers.log" 2>&1 || true
      rps+=("$(jqf '.pollers.requests_per_second' "$OUT/pollers-$run.json")")
      gathers+=("$(jqf '.pollers.requests_per_gather' "$OUT/pollers-$run.json")")
      burst+=("$(jqf '.pollers.burst_gathers' "$OUT/pollers-$run.json")")
      FIG[pollers_p99]=$(jqf '.latency.p99_ms' "$OUT/pollers-$run.json")
    done
    FIG[pollers_rps]=$(median "${rps[@]}"); FIG[pollers_per_gather]=$(median "${gathers[@]}"); FIG[pollers_burst]=$(median "${burst[@]}")

    LOADS[cluster_hold]=$(load_now)
    cc_log "3 nodes: holding $((3 * HOLD_CLUSTER)) joined sockets"
    hold_sockets "cluster-hold" "$HOLD_CLUSTER" "$URLS" 3 phoenix
    FIG[cluster_open]=$HOLD_OPEN
    FIG[cluster_exact]=missed
    if dotnet "$GB" verify --api-key "$CC_API_KEY" --url "$STATS" --nodes 3 --duration 30s \
        --ledger "$OUT/cluster-hold-1.json,$OUT/cluster-hold-2.json,$OUT/cluster-hold-3.json" >"$CC_LOGS/cluster-verify.log" 2>&1; then
      FIG[cluster_exact]=exact
    fi
    cat "$CC_LOGS/cluster-verify.log" >&2
    cc_log "3 nodes at $HOLD_OPEN sockets: gather latency"
    gather_series loaded3 3
    cc_stop "${HOLD_PIDS[@]}"
    drained_cluster "$STATS" 3
    note_cmd "dotnet $GB paired --nats nats://127.0.0.1:NATS --url http://127.0.0.1:API/api/stats --nodes 3 --iterations 2000 --warmup 3000   (the raw gather and GET /api/stats in turn; idle, and at the held sockets)"
    note_cmd "dotnet $GB pollers --url http://127.0.0.1:API/api/stats --nats nats://127.0.0.1:NATS --nodes 3 --pollers 1000 --duration 10s"
    note_cmd "dotnet $LG hold --url ws://127.0.0.1:NODE_i/socket/websocket --sockets $HOLD_CLUSTER --topics 100 --source-ips 127.0.3.i --duration 1s --linger 1800s --json Fi   (one process per node, i = 1..3)"
    note_cmd "dotnet $GB verify --url http://127.0.0.1:API/api/stats --nodes 3 --ledger F1,F2,F3"
  fi

  if wants ten; then
    LOADS[ten]=$(load_now)
    cc_log "10 nodes: starting 7 more"
    EXTRA_PIDS=()
    for i in $(seq 4 10); do
      port=$(cc_free_port); cc_start_node "$NODE" "$nats" "n$i" "$port"; EXTRA_PIDS+=("$CC_LAST_PID")
    done
    sleep 3
    gather_series idle10 10
    cc_stop "${EXTRA_PIDS[@]}"
    sleep 5
  fi

  if wants churn; then
    LOADS[churn]=$(load_now)
    cc_log "churn: $CHURN_EVENTS random join/leave/close/abort events over 3 nodes"
    rm -f "$OUT/churn.done"
    dotnet "$GB" watch --api-key "$CC_API_KEY" --url "$STATS" --duration 3600s --stop-file "$OUT/churn.done" >"$CC_LOGS/churn-watch.log" 2>&1 &
    watch_pid=$!; CC_PIDS+=("$watch_pid")
    rm -f "$OUT/churn.json"
    url_args=()
    for u in ${URLS//,/ }; do url_args+=(--url "$u"); done
    dotnet "$LG" churn "${url_args[@]}" --sockets 3000 --topics 200 --joins-per-socket 2 --events "$CHURN_EVENTS" \
      --concurrency 64 --source-ips 127.0.14.1-8 --linger 1800s --progress 10s --json "$OUT/churn.json" >"$CC_LOGS/churn.log" 2>&1 &
    churn_pid=$!; CC_PIDS+=("$churn_pid")
    cc_wait_file "$OUT/churn.json" 3000 "$churn_pid"
    FIG[churn_exact]=missed
    if dotnet "$GB" verify --api-key "$CC_API_KEY" --url "$STATS" --nodes 3 --duration 30s --ledger "$OUT/churn.json" >"$CC_LOGS/churn-verify.log" 2>&1; then
      FIG[churn_exact]=exact
    fi
    cat "$CC_LOGS/churn-verify.log" >&2
    touch "$OUT/churn.done"
    FIG[churn_negative]=missed
    if wait "$watch_pid"; then FIG[churn_negative]=never; fi
    cc_stop "$churn_pid"
    FIG[churn_rate]=$(jqf '.rate.per_second' "$OUT/churn.json")
    FIG[churn_events]=$(jqf '.rate.count' "$OUT/churn.json")
    FIG[churn_ledger]=$(jqf '.ledger.total' "$OUT/churn.json")
    note_cmd "dotnet $LG churn --url NODE1 --url NODE2 --url NODE3 --sockets 3000 --topics 200 --joins-per-socket 2 --events $CHURN_EVENTS --concurrency 64 --source-ips 127.0.14.1-8 --linger 1800s --json F"
    note_cmd "dotnet $GB watch --url http://127.0.0.1:API/api/stats --stop-file DONE   (during the churn)   then   dotnet $GB verify --nodes 3 --ledger F"
  fi
fi

LOAD_END=$(load_now)

# ---------------------------------------------------------------- report
g() { printf '%s' "${FIG[$1]:-n/a}"; }
REPORT="$OUT/results.md"
{
  echo "<!-- written by bench/run.sh -->"
  echo "Run $STAMP (UTC) with \`$RUN_COMMAND\`: medians of $RUNS runs unless noted."
  echo
  echo "Built from commit $COMMIT. Baseline: \`bench/ConnCount.Baseline\`, holding (\`/socket/websocket\`) for memory, answering every frame with a fixed ok (\`/answer/websocket\`) for cycles and pairs."
  echo
  echo "Machine: $MACHINE. Load average (1/5/15 min) at start $LOAD_START, at end $LOAD_END;"
  printf 'per scenario at its start:'
  for k in micro baseline node durable messages presence presence_latency presence_hold presence_fanout cluster cluster_hold ten churn; do [ -n "${LOADS[$k]:-}" ] && printf ' %s %s;' "$k" "${LOADS[$k]}"; done
  echo
  echo
  echo "| what | target | ConnCount | baseline | ratio | verdict |"
  echo "| --- | --- | --- | --- | --- | --- |"
  if wants node; then
    echo "| joined sockets held by one node | 19,500, exact | $(g node_open) open, counts exact in $(g node_exact) runs | | | $(verdict ge "$(g node_open)" 19500) / $(verdict test "$(g node_exact)" = "$RUNS/$RUNS") |"
  fi
  if wants cluster; then
    echo "| sockets held by 3 nodes, exact via GET /api/stats | ≥ 55,000, exact | $(g cluster_open), $(g cluster_exact) | | | $(verdict ge "$(g cluster_open)" 55000) / $(verdict test "$(g cluster_exact)" = exact) |"
  fi
  if wants node && wants baseline; then
    mr=$(ratio "$(g node_mem)" "$(g baseline_mem)")
    echo "| process memory per idle joined socket (RSS growth; baseline: holding) | ≤ 1.00 × baseline | $(fmt "$(g node_mem)") B | $(fmt "$(g baseline_mem)") B | $mr | $(verdict le "$mr" 1.00) |"
  fi
  if wants node; then
    cr=$(ratio "$(g node_cycles)" "$(g baseline_cycles)")
    echo "| connect+join+leave+close cycles/s, one node (baseline: answering, the same round trips) | ≥ 0.9 × baseline | $(fmt "$(g node_cycles)") | $(fmt "$(g baseline_cycles)") | $cr | $(baseline_verdict ge "$cr" 0.9) |"
  fi
  if wants node && wants baseline; then
    echo "| the same cycles over the baseline's bare connect+close (information) | | $(fmt "$(g node_cycles)") | $(fmt "$(g baseline_cc)") | $(ratio "$(g node_cycles)" "$(g baseline_cc)") | |"
  fi
  if wants node; then
    pr=$(ratio "$(g node_pairs)" "$(g baseline_pairs)")
    echo "| join/leave pairs/s on open sockets, one node (baseline: answering) | ≥ 50,000/s and ≥ 0.9 × baseline | $(fmt "$(g node_pairs)") | $(fmt "$(g baseline_pairs)") | $pr | $(verdict ge "$(g node_pairs)" 50000) / $(baseline_verdict ge "$pr" 0.9) |"
  fi
  if wants durable; then
    dr=$(ratio "$(g durable_on_pairs)" "$(g durable_off_pairs)")
    echo "| join/leave pairs/s, one node, durable usage on (JetStream) vs off, same run | within 5 % (≥ 0.95 ×) | $(fmt "$(g durable_on_pairs)") | off: $(fmt "$(g durable_off_pairs)") | $dr | $(verdict ge "$dr" 0.95) |"
    echo "| usage records written to JetStream per node while it runs those pairs | bounded, whatever the join rate | $(fmt "$(g durable_msgs_per_s)" 3) messages/s, $(fmt "$(g durable_bytes_per_s)" 0) B/s | | | (reported) |"
  fi
  if wants messages; then
    echo "| messages delivered per second, one node, fan-out 100 (one sender, 32 in flight) | ≥ 250,000/s | $(fmt "$(g fanout_rate)")/s, deliveries received: $(g fanout_exact) | | | $(verdict ge "$(g fanout_rate)" 250000) |"
  fi
  if wants presence; then
    echo "| one message to $(g fanout_members) members over 3 nodes, one at a time: its send to the last member reading it, p50 / p99 / max over $(g fanout_messages) messages | p99 ≤ 50 ms, every member gets every message | $(fmt "$(g fanlat_p50)" 1) / $(fmt "$(g fanlat_p99)" 1) / $(fmt "$(g fanlat_max)" 1) ms (any member, p50 $(fmt "$(g fanlat_delivery_p50)" 1) ms); every member got every message once, in order, in $(g fanlat_exact) runs | | | $(verdict le "$(g fanlat_p99)" 50) / $(verdict test "$(g fanlat_exact)" = "$RUNS/$RUNS") |"
    echo "| presence join seen as presence_diff on another node: the joiner reading its join reply to the watcher reading the diff, p50 / p99 / max over $(g presence_rounds) joins | p99 ≤ 20 ms | $(fmt "$(g presence_p50)" 2) / $(fmt "$(g presence_p99)" 2) / $(fmt "$(g presence_max)" 2) ms (from the join's send: p99 $(fmt "$(g presence_send_p99)" 2) ms); diffs missed in all runs: $(g presence_missed), read before the reply (counted as 0 ms): $(g presence_before_reply) | | | $(verdict le "$(g presence_p99)" 20) |"
    pm=$(ratio "$(g presence_mem)" "$(g baseline_mem)")
    echo "| memory per idle joined socket with presence tracked: RSS growth of 3 nodes over $(g presence_open) sockets on 100 presence topics (baseline: holding) | ≤ 1.15 × baseline | $(fmt "$(g presence_mem)") B (runs: $(g presence_mem_runs) B) | $(fmt "$(g baseline_mem)") B | $pm | $(baseline_verdict le "$pm" 1.15) |"
  fi
  if wants cluster; then
    echo "| raw NATS gather, 3 nodes idle, p50 / p99 | ≤ 1 / ≤ 5 ms | $(fmt "$(g idle3_nats_p50)" 3) / $(fmt "$(g idle3_nats_p99)" 3) ms | | | $(verdict le "$(g idle3_nats_p50)" 1) / $(verdict le "$(g idle3_nats_p99)" 5) |"
  fi
  if wants ten; then
    echo "| raw NATS gather, 10 nodes idle, p50 / p99 | ≤ 1 / ≤ 5 ms | $(fmt "$(g idle10_nats_p50)" 3) / $(fmt "$(g idle10_nats_p99)" 3) ms | | | $(verdict le "$(g idle10_nats_p50)" 1) / $(verdict le "$(g idle10_nats_p99)" 5) |"
    echo "| GET /api/stats, 10 nodes idle, p50 / p99 (information) | | $(fmt "$(g idle10_http_p50)" 3) / $(fmt "$(g idle10_http_p99)" 3) ms | | | |"
  fi
  if wants cluster; then
    hr=$(ratio "$(g idle3_http_p50)" "$(g idle3_nats_p50)")
    echo "| GET /api/stats, 3 nodes idle, p50 / p99 (ratio: p50 over the raw gather's, the two taken in turn) | ≤ 3 / ≤ 15 ms, ≤ 1.5 × raw | $(fmt "$(g idle3_http_p50)" 3) / $(fmt "$(g idle3_http_p99)" 3) ms | raw $(fmt "$(g idle3_nats_p50)" 3) ms | $hr | $(verdict le "$(g idle3_http_p50)" 3) / $(verdict le "$(g idle3_http_p99)" 15) / $(verdict le "$hr" 1.5) |"
    lr=$(ratio "$(g loaded3_nats_p50)" "$(g idle3_nats_p50)")
    lh=$(ratio "$(g loaded3_http_p50)" "$(g idle3_http_p50)")
    echo "| gather p50 at $(g cluster_open) sockets vs 0: raw NATS; GET /api/stats | ≤ 1.2 × | $(fmt "$(g loaded3_nats_p50)" 3) ms; $(fmt "$(g loaded3_http_p50)" 3) ms (p99 $(fmt "$(g loaded3_nats_p99)" 3); $(fmt "$(g loaded3_http_p99)" 3) ms) | $(fmt "$(g idle3_nats_p50)" 3) ms; $(fmt "$(g idle3_http_p50)" 3) ms | $lr; $lh | $(verdict le "$lr" 1.2) / $(verdict le "$lh" 1.2) |"
    echo "| 1,000 concurrent REST pollers: req/s; HTTP requests per NATS gather; gathers caused by a burst of 1,000 | ≥ 10,000 req/s, coalesced | $(fmt "$(g pollers_rps)") req/s; $(fmt "$(g pollers_per_gather)" 1) per gather; burst → $(g pollers_burst) gathers (p99 $(fmt "$(g pollers_p99)" 1) ms) | | | $(verdict ge "$(g pollers_rps)" 10000) / $(verdict ge "$(g pollers_per_gather)" 2) |"
  fi
  if wants micro; then
    rr=$(ratio "$(g reg_same_ns)" "$(g incr_ns)")
    echo "| registry join+leave, 2 threads, same topic (BenchmarkDotNet median) | ≤ 2 × shared Interlocked.Increment | $(fmt "$(g reg_same_ns)" 1) ns | $(fmt "$(g incr_ns)" 1) ns | $rr | $(verdict le "$rr" 2) |"
    echo "| registry join+leave, 2 threads, a topic each; same topic from zero (information) | | $(fmt "$(g reg_own_ns)" 1) ns; $(fmt "$(g reg_zero_ns)" 1) ns | $(fmt "$(g incr_ns)" 1) ns | $(ratio "$(g reg_own_ns)" "$(g incr_ns)"); $(ratio "$(g reg_zero_ns)" "$(g incr_ns)") | |"
    echo "| frame parser: join; heartbeat (information) | | $(fmt "$(g parse_join_ns)" 1) ns; $(fmt "$(g parse_hb_ns)" 1) ns | | | |"
    echo "| aggregation, 1,000 topics: 3 nodes; 10 nodes (information) | | $(fmt "$(g agg3_us)" 1) µs; $(fmt "$(g agg10_us)" 1) µs | | | |"
  fi
  if wants churn; then
    echo "| counts after $(g churn_events) random join/leave/close/abort events over 3 nodes | exactly the ledger, never negative | $(g churn_exact) (ledger $(g churn_ledger)), negative: $(g churn_negative); $(fmt "$(g churn_rate)") events/s | | | $(verdict test "$(g churn_exact)" = exact) / $(verdict test "$(g churn_negative)" = never) |"
  fi
  echo
  echo "Commands (PORT, NATS, API are free loopback ports chosen per run; F are LoadGen JSON reports):"
  echo
  echo '```'
  printf '%s\n' "${COMMANDS[@]}"
  echo '```'
} >"$REPORT"
mkdir -p "$CC_ROOT/bench/results"
cp "$REPORT" "$CC_ROOT/bench/results/latest.md"
cat "$REPORT"

if [ "$UPDATE_DOCS" = 1 ]; then
  doc="$CC_ROOT/docs/benchmarks.md"
  if grep -q '<!-- results:start -->' "$doc" 2>/dev/null; then
    awk -v report="$REPORT" '
      /<!-- results:start -->/ { print; while ((getline line < report) > 0) print line; skip = 1; next }
      /<!-- results:end -->/ { skip = 0 }
      !skip { print }' "$doc" >"$doc.tmp" && mv "$doc.tmp" "$doc"
    cc_log "updated $doc"
  else
    cc_log "docs/benchmarks.md has no results markers; not updated"
  fi
fi
