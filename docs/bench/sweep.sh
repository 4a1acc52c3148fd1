#!/usr/bin/env bash
# Load sweeps for BENCHMARKS.md's charts: rpc-vertx (bench-echo-server, one --server entry per HTTP/2 transport),
# raw Vert.x, vertx-grpc and grpc-java-direct in ONE interleaved run of the shared peer harness
# (../shared/bench/run-peers.sh, driven here, never changed), with two sweeps of unary calls:
#   connections x streams: 100 B at SHAPES (1x1 ... 64x64)
#   message size:          SIZES (100 B ... 1 MiB) at SIZE_SHAPE
# Both sweeps are scenarios of the same run, so every server sees the same background load. While the harness
# prewarms, each server is asked once per size with grpcio (tools/verify_grpcio.py's peer, python3-grpcio) whether it
# echoes a message of that size: h2load counts any HTTP 200 as a success, including a gRPC error such as
# RESOURCE_EXHAUSTED, so a refused size must be known to leave it out (max-message.csv, read by charts.py).
# Then charts.py draws the PNGs into $OUT/charts.
#
# usage: docs/bench/sweep.sh [--no-build]     (--no-build: reuse the peers already built in $WORK)
#
# environment (defaults in brackets):
#   JAR         the examples jar [<repo>/verticles-examples/target/rpc-vertx-examples.jar]
#               (mvn -B -q -pl verticles-examples -am package -DskipTests)
#   PEERS       the harness [<repo>/../shared/bench/run-peers.sh]
#   TRANSPORTS  rpc-vertx transports, one server each, named rpc-vertx-<t> ["vertx netty"]
#   SERVERS     the harness's built-in servers ["grpc-java-direct vertx-grpc raw-vertx"]
#   BASELINE    the ratio's denominator [raw-vertx]
#   SHAPES      CONNS:STREAMS of the first sweep ["1:1 1:8 4:16 16:16 64:64"]
#   SIZES       message bytes of the second sweep ["100 1024 16384 262144 1048576"]
#   SIZE_SHAPE  CONNS:STREAMS of the second sweep [4:16]
#   ROUNDS [3]  DURATION [6] (s measured)  WARMUP [2] (s per run)  PREWARM [4] (s per server)
#   PORT        first port of the rpc-vertx servers [50200]
#   WORK        build copy of the peers [${TMPDIR:-/tmp}/rpc-vertx-bench/peers]
#   OUT         results [${TMPDIR:-/tmp}/rpc-vertx-bench/sweep-<timestamp>]
#   SERVER_CPU, CLIENT_CPU, NICE, JAVA, JAVA_OPTS: passed to the harness (see its header)
# With the defaults one round is 9 scenarios x 5 servers = 45 runs of about 11 s: under 10 minutes per round.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3

export JAR=${JAR:-$ROOT/verticles-examples/target/rpc-vertx-examples.jar}
PEERS=${PEERS:-$ROOT/../shared/bench/run-peers.sh}
TRANSPORTS=${TRANSPORTS:-"vertx netty"}
export SERVERS=${SERVERS:-"grpc-java-direct vertx-grpc raw-vertx"}
export BASELINE=${BASELINE:-raw-vertx}
SHAPES=${SHAPES:-"1:1 1:8 4:16 16:16 64:64"}
SIZES=${SIZES:-"100 1024 16384 262144 1048576"}
SIZE_SHAPE=${SIZE_SHAPE:-4:16}
export ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-6} WARMUP=${WARMUP:-2} PREWARM=${PREWARM:-4}
PORT=${PORT:-50200}
export WORK=${WORK:-${TMPDIR:-/tmp}/rpc-vertx-bench/peers}
export OUT=${OUT:-${TMPDIR:-/tmp}/rpc-vertx-bench/sweep-$(date +%Y%m%dT%H%M%S)}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--Xmx1g}

ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) ARGS+=(--no-build); shift ;;
    -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

[ -x "$PEERS" ] || { echo "peer harness not found: $PEERS (set PEERS)" >&2; exit 1; }
[ -f "$JAR" ] || { echo "examples jar not found: $JAR (mvn -B -q -pl verticles-examples -am package -DskipTests)" >&2; exit 1; }
$PY -c 'import matplotlib' 2>/dev/null || { echo "python3-matplotlib missing: apt-get install -y python3-matplotlib" >&2; exit 1; }

# scenarios: the shape sweep, then the size sweep without the point both share
scenarios=""
for shape in $SHAPES; do scenarios+=" h2:unary:100:$shape"; done
for size in $SIZES; do
  case " $scenarios " in *" h2:unary:$size:$SIZE_SHAPE "*) ;; *) scenarios+=" h2:unary:$size:$SIZE_SHAPE" ;; esac
done
export SCENARIOS=${scenarios# }

servers=()
port=$PORT
for t in $TRANSPORTS; do
  servers+=(--server "rpc-vertx-$t" "$port" "$JAVA $JAVA_OPTS -jar $JAR bench-echo-server --port={PORT} --http2-transport=$t")
  port=$((port + 1))
done

[ ! -e "$OUT/run.log" ] || { echo "$OUT already holds a run (set OUT to a new directory)" >&2; exit 1; }
mkdir -p "$OUT"
echo "sweep: $(echo "$SCENARIOS" | wc -w) scenarios, servers: $SERVERS$(printf ' rpc-vertx-%s' $TRANSPORTS), $ROUNDS round(s) of ${DURATION}s (+${WARMUP}s warm-up); output in $OUT" >&2

# max-message check: once the harness logs its prewarm, every server it kept is up and verified (env.txt has ports)
probe_sizes() {
  local t
  for t in $(seq 1 1200); do
    grep -q 'prewarm' "$OUT/run.log" 2>/dev/null && break
    kill -0 "$harness" 2>/dev/null || return 0
    sleep 0.5
  done
  grep -q 'prewarm' "$OUT/run.log" 2>/dev/null || return 0
  local name port
  echo "server,size,result" > "$OUT/max-message.csv.tmp"
  sed -n 's/^server \([^ ]*\) port \([0-9]*\): .*/\1 \2/p' "$OUT/env.txt" | while read -r name port; do
    grep -q " $name up on $port " "$OUT/run.log" || continue
    taskset -c "${CLIENT_CPU:-1}" $PY "$HERE/max_message.py" "$name" "$port" $SIZES >> "$OUT/max-message.csv.tmp" \
      2>> "$OUT/max-message.log" || echo "max-message check of $name failed, see $OUT/max-message.log" >&2
  done
  mv "$OUT/max-message.csv.tmp" "$OUT/max-message.csv"
}

start=$(date +%s)
"$PEERS" ${ARGS[@]+"${ARGS[@]}"} ${servers[@]+"${servers[@]}"} &
harness=$!
probe_sizes
rc=0
wait "$harness" || rc=$?
echo "sweep: harness finished in $(( $(date +%s) - start )) s (exit $rc)" >&2
[ "$rc" = 0 ] || exit "$rc"
if [ -f "$OUT/max-message.csv" ]; then
  grep -v ',ok$' "$OUT/max-message.csv" | sed 1d | sed 's/^/sweep: refused (left out of the charts): /' >&2 || true
fi
$PY "$HERE/charts.py" --baseline "$BASELINE" --out "$OUT/charts" "$OUT/results.csv"
