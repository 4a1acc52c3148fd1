#!/usr/bin/env bash
# Resident memory under steady load: each server in turn runs alone for WARMUP + DURATION seconds of h2load
# (unary 100 B, CONNS x STREAMS, 4 x 64 by default), and the server's VmRSS (/proc/PID/status) is sampled every
# second. Servers: rpc-vertx's bench-echo-server on each HTTP/2 transport and the harness's raw Vert.x server.
# Writes $OUT/rss.csv (server,t_s,rss_mb,hwm_mb,load1; t < 0 is the warm-up) and $OUT/rss-runs.csv (server,rps,
# failed), then draws $OUT/charts/rss.png with charts.py, which also prints whether each line is flat.
#
# usage: docs/bench/rss.sh
#
# environment (defaults in brackets):
#   JAR         the examples jar [<repo>/verticles-examples/target/rpc-vertx-examples.jar]
#   BENCH       the shared harness directory, for the raw Vert.x peer and tools/mkreq.py [<repo>/../shared/bench]
#   WORK        build copy of the peers (built here when raw-vertx-echo is missing) [${TMPDIR:-/tmp}/rpc-vertx-bench/peers]
#   TRANSPORTS  rpc-vertx transports ["vertx netty"]   RAW [raw-vertx] (empty: no raw Vert.x run)
#   DURATION [60]  WARMUP [10] (s of load before t = 0, sampled too)  CONNS [4]  STREAMS [64]  SIZE [100]
#   PORT [50250]  SERVER_CPU [0]  CLIENT_CPU [1]  NICE [-20]  JAVA [java]  JAVA_OPTS [-Xmx1g]
#   OUT         [${TMPDIR:-/tmp}/rpc-vertx-bench/rss-<timestamp>]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3

JAR=${JAR:-$ROOT/verticles-examples/target/rpc-vertx-examples.jar}
BENCH=${BENCH:-$ROOT/../shared/bench}
WORK=${WORK:-${TMPDIR:-/tmp}/rpc-vertx-bench/peers}
TRANSPORTS=${TRANSPORTS:-"vertx netty"}
RAW=${RAW-raw-vertx}
DURATION=${DURATION:-60}
WARMUP=${WARMUP:-10}
CONNS=${CONNS:-4}
STREAMS=${STREAMS:-64}
SIZE=${SIZE:-100}
PORT=${PORT:-50250}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
NICE=${NICE:--20}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--Xmx1g}
OUT=${OUT:-${TMPDIR:-/tmp}/rpc-vertx-bench/rss-$(date +%Y%m%dT%H%M%S)}

case "${1:-}" in
  -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
  "") ;;
  *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
esac

command -v h2load >/dev/null || { echo "h2load missing: apt-get install -y nghttp2-client" >&2; exit 1; }
$PY -c 'import grpc' 2>/dev/null || { echo "python3-grpcio missing: apt-get install -y python3-grpcio" >&2; exit 1; }
[ -f "$JAR" ] || { echo "examples jar not found: $JAR (mvn -B -q -pl verticles-examples -am package -DskipTests)" >&2; exit 1; }
mkdir -p "$OUT/logs"
log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$OUT/run.log" >&2; }

declare -a NAMES=() CMDS=()
for t in $TRANSPORTS; do
  NAMES+=("rpc-vertx-$t"); CMDS+=("$JAVA $JAVA_OPTS -jar $JAR bench-echo-server --port=$PORT --http2-transport=$t")
done
if [ -n "$RAW" ]; then
  if [ ! -d "$WORK/raw-vertx-echo/target/lib" ]; then
    log "building the raw Vert.x peer in $WORK"
    mkdir -p "$WORK"
    (cd "$BENCH/peers" && tar cf - --exclude=target .) | (cd "$WORK" && tar xf -)
    (cd "$WORK" && mvn -q -B -pl raw-vertx-echo -am package -DskipTests) > "$OUT/logs/build.log" 2>&1 \
      || { cat "$OUT/logs/build.log"; exit 1; }
  fi
  NAMES+=("$RAW")
  CMDS+=("$JAVA $JAVA_OPTS -cp '$WORK/raw-vertx-echo/target/classes:$WORK/raw-vertx-echo/target/lib/*' bench.peers.RawVertxEchoServer $PORT")
fi

REQ=$OUT/unary-$SIZE.bin
$PY "$BENCH/tools/mkreq.py" unary "$SIZE" "$REQ"
{
  echo "date: $(date -Is)"; uname -a; grep -m1 'model name' /proc/cpuinfo; nproc
  $JAVA -version 2>&1 | head -2; h2load --version | head -1
  echo "DURATION=$DURATION WARMUP=$WARMUP CONNS=$CONNS STREAMS=$STREAMS SIZE=$SIZE NICE=$NICE JAVA_OPTS=$JAVA_OPTS"
  for k in "${!NAMES[@]}"; do echo "server ${NAMES[$k]} port $PORT: ${CMDS[$k]}"; done
} > "$OUT/env.txt"

server_pid=""
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM -- "-$server_pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
trap stop_server EXIT

wait_port() {
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
    kill -0 "$server_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

echo "server,t_s,rss_mb,hwm_mb,load1" > "$OUT/rss.csv"
echo "server,rps,failed" > "$OUT/rss-runs.csv"
for k in "${!NAMES[@]}"; do
  name=${NAMES[$k]}
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then log "port $PORT already in use (set PORT)"; exit 1; fi
  # setsid without job control execs in place: $! is the JVM's pid and its process group
  setsid nice -n "$NICE" taskset -c "$SERVER_CPU" bash -c "exec ${CMDS[$k]}" > "$OUT/logs/server-$name.log" 2>&1 < /dev/null &
  server_pid=$!
  wait_port || { log "$name did not open port $PORT"; cat "$OUT/logs/server-$name.log" >&2; exit 1; }
  taskset -c "$CLIENT_CPU" $PY "$HERE/max_message.py" "$name" "$PORT" "$SIZE" > "$OUT/logs/verify-$name.log" 2>&1
  grep -q ",ok$" "$OUT/logs/verify-$name.log" || { log "$name does not echo"; cat "$OUT/logs/verify-$name.log" >&2; exit 1; }
  log "$name up on $PORT (pid $server_pid); ${WARMUP}s + ${DURATION}s of h2load ${CONNS}x${STREAMS}, unary $SIZE B"
  nice -n "$NICE" taskset -c "$CLIENT_CPU" timeout $((WARMUP + DURATION + 60)) \
    h2load -t 1 -c "$CONNS" -m "$STREAMS" -D $((WARMUP + DURATION)) -d "$REQ" \
    -H 'content-type: application/grpc' -H 'te: trailers' \
    "http://127.0.0.1:$PORT/bench.Echo/UnaryEcho" > "$OUT/logs/h2load-$name.out" 2>&1 &
  load_pid=$!
  # one sample per second on a fixed schedule from the start of the load (t = -WARMUP .. DURATION)
  taskset -c "$CLIENT_CPU" $PY - "$name" "$server_pid" "$WARMUP" "$DURATION" >> "$OUT/rss.csv" <<'EOF'
import sys, time
name, pid, warmup, duration = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
start = time.monotonic()
for i in range(warmup + duration + 1):
    time.sleep(max(0.0, start + i - time.monotonic()))
    rss = hwm = None
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    with open("/proc/loadavg") as f:
        load1 = f.read().split()[0]
    print("%s,%d,%.1f,%.1f,%s" % (name, i - warmup, rss / 1024, hwm / 1024, load1), flush=True)
EOF
  wait "$load_pid" || true
  out="$OUT/logs/h2load-$name.out"
  rps=$(sed -n 's/^finished in [0-9.]*s, \([0-9.]*\) req\/s.*/\1/p' "$out")
  failed=$(sed -n 's/^requests: .* \([0-9]*\) failed, \([0-9]*\) errored.*/\1 \2/p' "$out" | awk '{print $1+$2}')
  echo "$name,${rps:-0},${failed:-0}" >> "$OUT/rss-runs.csv"
  log "$name: ${rps:-0} req/s, failed ${failed:-?}, RSS $(tail -n 1 "$OUT/rss.csv" | cut -d, -f3) MB at the end"
  stop_server
done
trap - EXIT

$PY "$HERE/charts.py" --out "$OUT/charts" --rss "$OUT/rss.csv"
log "raw data: $OUT"
