#!/usr/bin/env bash
# Client-side benchmark (issue 8): rpc-vertx's channel vs grpc-java's client as closed-loop load generators of
# bench.Echo, driving the same server. The server is pinned to SERVER_CPU, every client to CLIENT_CPU, so the QPS of a
# client-bound run measures what each client achieves on one core. Runs are interleaved (round r uses the client
# order rotated by r); the table shows medians and, per round, the ratio of rpc-vertx's rate to each grpc-java
# client's, then the median of those ratios. Each client also reports its own CPU time per message inside the measured
# window; on a machine shared with other jobs (when no client gets its core to itself) the ratio of those CPU costs
# is the steadier estimate of the QPS ratio a client-bound run would show on a dedicated core.
#
# usage: src-test-it/bench/run-client-bench.sh [--no-build]
#   --no-build  reuse src-test-it/target/bench-classpath.txt and the compiled classes of the last run
#
# environment (defaults in brackets):
#   SERVERS    servers to drive ["grpc-java-direct"]; available:
#                grpc-java-direct, grpc-java   the shared/bench peer (bench.peers.GrpcJavaEchoServer, direct or default
#                                              executor), built by run-peers.sh into PEERS_WORK (built here if missing)
#                rpc-vertx                     our bench-echo-server (verticles-examples)
#   CLIENTS    ["rpc-vertx grpc-java-direct grpc-java-default"]; rpc-vertx is our channel with its default HTTP/2
#              transport (Netty's codec since issue 13); also rpc-vertx-netty (--http2-transport=netty) and
#              rpc-vertx-vertxhttp (Vert.x's HTTP client, --http2-transport=vertx)
#   OURS       the client the ratio columns compare every other client with ["rpc-vertx"]
#   SCENARIOS  KIND:SIZE:CONNECTIONS:CONCURRENCY, SIZE = bytes, or BYTESxCOUNT for stream
#              ["unary:100:4:64 stream:100x100:4:8"]
#   ROUNDS [3]  DURATION [10] (s measured)  WARMUP [5] (s per run)  PREWARM [5] (s per server and scenario, once)
#   SERVER_CPU [0]  CLIENT_CPU [1]  NICE [-20]  JAVA [java]  JAVA_OPTS [-Xmx1g]  EVENT_LOOPS [1] (client I/O threads)
#   BENCH_DIR [../shared/bench from the repository]  PEERS_WORK [${TMPDIR:-/tmp}/rpc-vertx-bench/peers]
#   OUT [${TMPDIR:-/tmp}/rpc-vertx-bench/client-results/<timestamp>]
# Every process is bounded (`timeout`) and started with setsid; servers are stopped by their process-group id.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
IT=$REPO/src-test-it
PY=/usr/bin/python3
for d in "$REPO/../shared/bench" "$REPO/../../shared/bench"; do
  [ -d "$d/peers" ] && BENCH_DIR=${BENCH_DIR:-$(cd "$d" && pwd)}
done
BENCH_DIR=${BENCH_DIR:-}
PEERS_WORK=${PEERS_WORK:-${TMPDIR:-/tmp}/rpc-vertx-bench/peers}
OUT=${OUT:-${TMPDIR:-/tmp}/rpc-vertx-bench/client-results/$(date +%Y%m%dT%H%M%S)}
SERVERS=${SERVERS:-grpc-java-direct}
CLIENTS=${CLIENTS:-"rpc-vertx grpc-java-direct grpc-java-default"}
SCENARIOS=${SCENARIOS:-"unary:100:4:64 stream:100x100:4:8"}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
PREWARM=${PREWARM:-5}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
NICE=${NICE:--20}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--Xmx1g}
EVENT_LOOPS=${EVENT_LOOPS:-1}
BUILD=1

while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

mkdir -p "$OUT/logs"
log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$OUT/run.log" >&2; }

# ---------------------------------------------------------------- build
CPFILE=$IT/target/bench-classpath.txt
if [ "$BUILD" = 1 ] || [ ! -f "$CPFILE" ]; then
  log "building src-test-it (test-compile) and its class path"
  # test-compile in the same reactor run makes the class path point at the modules' target/classes, not ~/.m2
  (cd "$REPO" && mvn -B -o -q -pl src-test-it -am test-compile dependency:build-classpath \
      -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test) > "$OUT/logs/build.log" 2>&1 \
    || { cat "$OUT/logs/build.log"; exit 1; }
fi
CP="$IT/target/test-classes:$IT/target/classes:$(cat "$CPFILE")"

needs_peers=0
for s in $SERVERS; do case "$s" in grpc-java*) needs_peers=1 ;; esac; done
if [ "$needs_peers" = 1 ] && [ ! -d "$PEERS_WORK/grpc-java-echo/target/lib" ]; then
  [ -n "$BENCH_DIR" ] || { echo "shared/bench not found: set BENCH_DIR" >&2; exit 1; }
  log "building the shared/bench peers into $PEERS_WORK (as run-peers.sh does)"
  mkdir -p "$PEERS_WORK"
  (cd "$BENCH_DIR/peers" && tar cf - --exclude=target .) | (cd "$PEERS_WORK" && tar xf -)
  (cd "$PEERS_WORK" && { mvn -o -q -B package -DskipTests || mvn -q -B package -DskipTests; }) \
    > "$OUT/logs/peers-build.log" 2>&1 || { cat "$OUT/logs/peers-build.log"; exit 1; }
fi
PEER_CP="$PEERS_WORK/grpc-java-echo/target/classes:$PEERS_WORK/grpc-java-echo/target/lib/*"

server_cmd() { # name port
  case "$1" in
    grpc-java-direct) echo "$JAVA $JAVA_OPTS -cp '$PEER_CP' bench.peers.GrpcJavaEchoServer $2 direct" ;;
    grpc-java)        echo "$JAVA $JAVA_OPTS -cp '$PEER_CP' bench.peers.GrpcJavaEchoServer $2 default" ;;
    rpc-vertx)        echo "$JAVA $JAVA_OPTS -cp '$CP' io.rpcvertx.examples.Main bench-echo-server --port=$2" ;;
    *) echo "unknown server $1" >&2; return 1 ;;
  esac
}
client_cmd() { # name
  case "$1" in
    rpc-vertx)          echo "$JAVA $JAVA_OPTS -cp $CP io.rpcvertx.examples.Main bench-client" ;;
    rpc-vertx-vertxhttp) echo "$JAVA $JAVA_OPTS -cp $CP io.rpcvertx.examples.Main bench-client --http2-transport=vertx" ;;
    rpc-vertx-netty)    echo "$JAVA $JAVA_OPTS -cp $CP io.rpcvertx.examples.Main bench-client --http2-transport=netty" ;;
    grpc-java-direct)   echo "$JAVA $JAVA_OPTS -cp $CP io.rpcvertx.it.bench.GrpcJavaBenchClient --executor=direct" ;;
    grpc-java-default)  echo "$JAVA $JAVA_OPTS -cp $CP io.rpcvertx.it.bench.GrpcJavaBenchClient --executor=default" ;;
    *) echo "unknown client $1" >&2; return 1 ;;
  esac
}

{
  echo "date: $(date -Is)"; uname -a; grep -m1 'model name' /proc/cpuinfo; nproc; uptime
  $JAVA -version 2>&1 | head -2
  echo "ROUNDS=$ROUNDS DURATION=$DURATION WARMUP=$WARMUP PREWARM=$PREWARM NICE=$NICE JAVA_OPTS=$JAVA_OPTS"
  echo "SERVER_CPU=$SERVER_CPU CLIENT_CPU=$CLIENT_CPU EVENT_LOOPS=$EVENT_LOOPS SCENARIOS=$SCENARIOS"
  echo "SERVERS=$SERVERS CLIENTS=$CLIENTS"
} > "$OUT/env.txt"

# ---------------------------------------------------------------- servers
declare -A PID=() PORT=()
stop_servers() {
  local n
  for n in "${!PID[@]}"; do kill -TERM -- "-${PID[$n]}" 2>/dev/null || true; done
  sleep 2
  for n in "${!PID[@]}"; do kill -KILL -- "-${PID[$n]}" 2>/dev/null || true; done
  PID=()
}
trap stop_servers EXIT

wait_port() {
  local t
  for t in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

i=0
for s in $SERVERS; do
  p=$((50300 + i)); i=$((i + 1))
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then log "port $p in use: cannot start $s"; exit 1; fi
  c=$(server_cmd "$s" "$p")
  setsid nice -n "$NICE" taskset -c "$SERVER_CPU" bash -c "exec $c" > "$OUT/logs/server-$s.log" 2>&1 < /dev/null &
  PID[$s]=$!; PORT[$s]=$p
  wait_port "$p" || { log "$s did not open port $p"; cat "$OUT/logs/server-$s.log" >&2; exit 1; }
  log "server $s up on $p (pid ${PID[$s]})"
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# ---------------------------------------------------------------- runs
CSV=$OUT/results.csv
echo "round,scenario,server,client,calls_per_s,msgs_per_s,p50_us,p90_us,p99_us,max_us,errors,cli_cpu_pct,cli_cpu_us_per_msg,srv_cpu_pct,load1" > "$CSV"
TCK=$(getconf CLK_TCK)

# run_one ROUND SCENARIO SERVER CLIENT RECORD DURATION WARMUP
run_one() {
  local round=$1 spec=$2 server=$3 client=$4 record=$5 dur=$6 warm=$7
  local kind size conns conc bytes count base line t0 t1 s0 s1 srv load1
  IFS=: read -r kind size conns conc <<< "$spec"
  bytes=${size%x*}; count=1
  [ "$kind" = stream ] && count=${size#*x}
  base="$OUT/logs/r${round}-${kind}-${size}-c${conns}m${conc}-${server}-${client}"
  load1=$(cut -d' ' -f1 /proc/loadavg)
  s0=$(cpu_ticks "${PID[$server]}")
  t0=$(date +%s.%N)
  nice -n "$NICE" taskset -c "$CLIENT_CPU" timeout $((dur + warm + 90)) $(client_cmd "$client") \
      --target=127.0.0.1:"${PORT[$server]}" --mode="$kind" --size="$bytes" --stream-messages="$count" \
      --connections="$conns" --concurrency="$conc" --duration="$dur" --warmup="$warm" \
      --event-loops="$EVENT_LOOPS" > "$base.out" 2>&1 || true
  t1=$(date +%s.%N)
  s1=$(cpu_ticks "${PID[$server]}")
  [ "$record" = 1 ] || return 0
  line=$(grep '^bench-client ' "$base.out" || true)
  if [ -z "$line" ]; then
    log "r$round $spec $server <- $client: no result line"; tail -5 "$base.out" >&2
    echo "$round,$spec,$server,$client,,,,,,,failed,,,,$load1" >> "$CSV"
    return 0
  fi
  srv=$(awk -v a="$t0" -v b="$t1" -v s0="$s0" -v s1="$s1" -v hz="$TCK" 'BEGIN {printf "%.0f", (s1-s0)/hz/(b-a)*100}')
  f() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$line"; }
  echo "$round,$spec,$server,$client,$(f calls_per_s),$(f msgs_per_s),$(f p50_us),$(f p90_us),$(f p99_us),$(f max_us),$(f errors),$(f cpu_pct),$(f cpu_us_per_msg),$srv,$load1" >> "$CSV"
  log "r$round $spec $server <- $client: $(f calls_per_s) calls/s, $(f msgs_per_s) msgs/s, p50 $(f p50_us) us, p99 $(f p99_us) us, errors $(f errors), client CPU $(f cpu_pct) % ($(f cpu_us_per_msg) us/msg), server CPU $srv % (load $load1)"
}

read -r -a CL <<< "$CLIENTS"
if [ "$PREWARM" -gt 0 ]; then
  for spec in $SCENARIOS; do
    for s in $SERVERS; do
      log "prewarm $s with $spec (${CL[0]}, $PREWARM s)"
      run_one 0 "$spec" "$s" "${CL[0]}" 0 "$PREWARM" 0
    done
  done
fi
for round in $(seq 1 "$ROUNDS"); do
  for spec in $SCENARIOS; do
    for s in $SERVERS; do
      for k in "${!CL[@]}"; do
        c=${CL[$(( (k + round - 1) % ${#CL[@]} ))]}
        run_one "$round" "$spec" "$s" "$c" 1 "$DURATION" "$WARMUP"
      done
    done
  done
done

# ---------------------------------------------------------------- summary
OURS=${OURS:-rpc-vertx} $PY - "$CSV" > "$OUT/summary.md" <<'EOF'
import csv, os, statistics, sys
from collections import defaultdict
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["errors"] not in ("", "failed")]
def rate(r):
    return float(r["msgs_per_s"] if r["scenario"].startswith("stream") else r["calls_per_s"])
by = defaultdict(list)
for r in rows:
    by[(r["scenario"], r["server"], r["client"])].append(r)
ours = os.environ["OURS"]
print("| scenario | server | client | rate (median) | p50 us | p99 us | client CPU %% | client CPU us/msg | server CPU %% (whole run) | errors | rate: %s / this client (per-round ratios) | CPU per msg: this client / %s |" % (ours, ours))
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for (scen, srv, cli), rs in sorted(by.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] != ours, kv[0][2])):
    med = lambda k: statistics.median(float(r[k]) for r in rs)
    unit = "msg/s" if scen.startswith("stream") else "calls/s"
    ratio = cost = ""
    if cli != ours:
        mine = {r["round"]: r for r in by.get((scen, srv, ours), [])}
        per_round = [rate(mine[r["round"]]) / rate(r) for r in rs if r["round"] in mine and rate(r) > 0]
        if per_round:
            ratio = "**%.2f** (%s)" % (statistics.median(per_round), ", ".join("%.2f" % x for x in per_round))
        costs = [float(r["cli_cpu_us_per_msg"]) / float(mine[r["round"]]["cli_cpu_us_per_msg"]) for r in rs
                 if r["round"] in mine and float(mine[r["round"]]["cli_cpu_us_per_msg"]) > 0]
        if costs:
            cost = "**%.2f** (%s)" % (statistics.median(costs), ", ".join("%.2f" % x for x in costs))
    print("| %s | %s | %s | %s %s | %.0f | %.0f | %.0f | %.2f | %.0f | %d | %s | %s |" % (
        scen, srv, cli, format(round(statistics.median(rate(r) for r in rs)), ","), unit, med("p50_us"), med("p99_us"),
        med("cli_cpu_pct"), med("cli_cpu_us_per_msg"), med("srv_cpu_pct"), sum(int(r["errors"]) for r in rs), ratio,
        cost))
EOF
cat "$OUT/summary.md"
log "results in $OUT (results.csv, summary.md, logs/)"
