#!/usr/bin/env bash
# CI smoke run of the bench tools against a real cluster, in well under two minutes. Builds nothing: it uses
# the Debug builds CI already made (or Release ones when there are no Debug ones). Starts nats-server, two
# socket nodes and the StatsApi on free loopback ports, then:
#   1. LoadGen holds 300 sockets (2 topics each) across both nodes; GET /api/stats must equal its ledger;
#   2. LoadGen churns 5,000 random join/leave/close/abort events over 200 sockets; GET /api/stats must equal
#      its ledger, and a watcher polling the API meanwhile must never see a negative count.
# Exits non-zero on any mismatch; every process it started is stopped on exit.
set -euo pipefail

source "$(dirname "$0")/scripts/lib.sh"
trap cc_cleanup EXIT
trap 'exit 130' INT TERM
cd "$CC_ROOT"

pick_config() {
  local config
  for config in Debug Release; do
    if [ -n "$(cc_assembly ConnCount.SocketNode ConnCount.SocketNode $config)" ] \
      && [ -n "$(cc_assembly ConnCount.StatsApi ConnCount.StatsApi $config)" ] \
      && [ -n "$(cc_assembly bench/ConnCount.LoadGen ConnCount.LoadGen $config)" ] \
      && [ -n "$(cc_assembly bench/ConnCount.GatherBench ConnCount.GatherBench $config)" ]; then
      printf '%s' "$config"; return 0
    fi
  done
  return 1
}
CONFIG=$(pick_config) || { echo "smoke: no build found; run 'dotnet build ConnCount.sln' first" >&2; exit 1; }
NODE=$(cc_assembly ConnCount.SocketNode ConnCount.SocketNode "$CONFIG")
API=$(cc_assembly ConnCount.StatsApi ConnCount.StatsApi "$CONFIG")
LG=$(cc_assembly bench/ConnCount.LoadGen ConnCount.LoadGen "$CONFIG")
GB=$(cc_assembly bench/ConnCount.GatherBench ConnCount.GatherBench "$CONFIG")
cc_log "smoke: $CONFIG builds; logs in $CC_LOGS"

fail() {
  echo "smoke: FAILED: $*" >&2
  for log in "$CC_LOGS"/*.log; do echo "--- $log" >&2; tail -15 "$log" >&2; done
  exit 1
}

NATS=$(cc_free_port); cc_start_nats "$NATS" || fail "nats-server did not start"
PORT_A=$(cc_free_port); cc_start_node "$NODE" "$NATS" smoke-a "$PORT_A" || fail "node a did not start"
PORT_B=$(cc_free_port); cc_start_node "$NODE" "$NATS" smoke-b "$PORT_B" || fail "node b did not start"
API_PORT=$(cc_free_port); cc_start_api "$API" "$NATS" "$API_PORT" || fail "the StatsApi did not start"
STATS="http://127.0.0.1:$API_PORT/api/stats"
URLS=(--url "ws://127.0.0.1:$PORT_A/socket/websocket" --url "ws://127.0.0.1:$PORT_B/socket/websocket")

# 1. Hold.
cc_log "smoke: holding 300 sockets"
cc_spawn loadgen-hold dotnet "$LG" hold "${URLS[@]}" --sockets 300 --topics 20 --joins-per-socket 2 \
  --duration 1s --linger 120s --progress 0 --timeout 10s --json "$CC_LOGS/hold.json"
HOLD=$CC_LAST_PID
cc_wait_file "$CC_LOGS/hold.json" 60 "$HOLD" || fail "the hold wrote no report"
timeout 60 dotnet "$GB" verify --api-key "$CC_API_KEY" --url "$STATS" --nodes 2 --duration 20s --ledger "$CC_LOGS/hold.json" \
  || fail "held counts differ from the LoadGen ledger"
cc_stop "$HOLD"

# 2. Churn, with a watcher for negative counts.
cc_log "smoke: churning 5,000 events over 200 sockets"
cc_spawn watch dotnet "$GB" watch --api-key "$CC_API_KEY" --url "$STATS" --duration 90s --stop-file "$CC_LOGS/churn.done"
WATCH=$CC_LAST_PID
cc_spawn loadgen-churn dotnet "$LG" churn "${URLS[@]}" --sockets 200 --topics 30 --joins-per-socket 2 \
  --events 5000 --concurrency 16 --linger 120s --progress 0 --timeout 10s --json "$CC_LOGS/churn.json"
CHURN=$CC_LAST_PID
cc_wait_file "$CC_LOGS/churn.json" 80 "$CHURN" || fail "the churn wrote no report"
timeout 60 dotnet "$GB" verify --api-key "$CC_API_KEY" --url "$STATS" --nodes 2 --duration 20s --ledger "$CC_LOGS/churn.json" \
  || fail "counts after the churn differ from the LoadGen ledger"
touch "$CC_LOGS/churn.done"
wait "$WATCH" || fail "a negative count was seen during the churn"
cat "$CC_LOGS/watch.log"
cc_stop "$CHURN"

echo "smoke: passed in ${SECONDS}s (hold and churn counts exact on 2 nodes, never negative)"
