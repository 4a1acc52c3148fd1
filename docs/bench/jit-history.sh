#!/usr/bin/env bash
# What a server's JIT history does to its cost per call: one server runs the peer harness's scenarios in the
# harness's order (prewarm: unary 100 B 4 x 64 and streaming; then unary 100 B 4 x 64, unary 1 KiB 4 x 64, server
# streaming 100 x 100 B 4 x 8, unary 16 KiB 4 x 16), optionally after a first call (VERIFY, a script given the port:
# the harness's grpcio verification, or one call with a non-ASCII string). Prints calls/s and server CPU per call
# (from /proc) of each scenario. Used for BENCHMARKS.md's "protobuf strings and the JIT".
#
# usage: docs/bench/jit-history.sh 'SERVER COMMAND with {PORT}'
#   e.g. docs/bench/jit-history.sh "java -Xmx1g -jar verticles-examples/target/rpc-vertx-examples.jar bench-echo-server --port={PORT}"
#
# environment (defaults in brackets):
#   BENCH   the shared harness directory, for tools/mkreq.py [<repo>/../shared/bench]
#   VERIFY  a script run as `/usr/bin/python3 VERIFY PORT` before the prewarm, e.g. $BENCH/tools/verify_grpcio.py []
#   SECS [6] per scenario   PORT [50260]   SERVER_CPU [0]   CLIENT_CPU [1]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BENCH=${BENCH:-$HERE/../../../shared/bench}
PORT=${PORT:-50260}
SECS=${SECS:-6}
CMD=${1:?usage: jit-history.sh 'SERVER COMMAND with {PORT}'}
CMD=${CMD//\{PORT\}/$PORT}
command -v h2load > /dev/null || { echo "h2load missing: apt-get install -y nghttp2-client" >&2; exit 1; }

T=$(mktemp -d)
MK="$BENCH/tools/mkreq.py"
/usr/bin/python3 "$MK" unary 100 "$T/u100.bin"
/usr/bin/python3 "$MK" unary 1024 "$T/u1k.bin"
/usr/bin/python3 "$MK" unary 16384 "$T/u16k.bin"
/usr/bin/python3 "$MK" stream 100 100 "$T/s.bin"

if (echo > "/dev/tcp/127.0.0.1/$PORT") 2> /dev/null; then
    echo "port $PORT is taken (PORT=... to choose another)" >&2
    exit 1
fi
setsid taskset -c "${SERVER_CPU:-0}" bash -c "exec $CMD" > "$T/server.log" 2>&1 < /dev/null &
SPID=$!
trap 'kill -TERM -- -$SPID 2> /dev/null || true; wait "$SPID" 2> /dev/null || true; rm -rf "$T"' EXIT
for _ in $(seq 1 100); do (echo > "/dev/tcp/127.0.0.1/$PORT") 2> /dev/null && break; sleep 0.1; done
JPID=$(pgrep -P "$SPID" java || echo "$SPID")

ticks() { awk '{print $14 + $15}' "/proc/$JPID/stat"; }

# name file method conns streams
run() {
    local s0 s1 out n
    s0=$(ticks)
    out=$(taskset -c "${CLIENT_CPU:-1}" timeout $((SECS + 60)) h2load -t 1 -c "$4" -m "$5" -D "$SECS" -d "$T/$2" \
        -H 'content-type: application/grpc' -H 'te: trailers' "http://127.0.0.1:$PORT/bench.Echo/$3" 2>&1 || true)
    s1=$(ticks)
    n=$(echo "$out" | grep -o '[0-9]* succeeded' | cut -d' ' -f1)
    n=${n:-0}
    if [ "$n" -gt 0 ]; then
        # ticks are 1/100 s: CPU ns per call = ticks * 10^7 / calls
        echo "$1: $(echo "$out" | grep -o '[0-9.]* req/s') cpu/call $(((s1 - s0) * 10000000 / n)) ns"
    else
        echo "$1: no call succeeded"
    fi
}

if [ -n "${VERIFY:-}" ]; then
    taskset -c "${CLIENT_CPU:-1}" /usr/bin/python3 "$VERIFY" "$PORT" > /dev/null
fi
run prewarm u100.bin UnaryEcho 4 64 > /dev/null
run prewarm-stream s.bin StreamEcho 4 8 > /dev/null
run unary-100B u100.bin UnaryEcho 4 64
run unary-1KiB u1k.bin UnaryEcho 4 64
run stream-100x100B s.bin StreamEcho 4 8
run unary-16KiB u16k.bin UnaryEcho 4 16
