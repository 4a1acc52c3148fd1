"""One unary call to bench.Echo/UnaryEcho carrying a non-ASCII string (grpcio; run with /usr/bin/python3).

usage: /usr/bin/python3 docs/bench/one_non_ascii_call.py PORT [TEXT] [COUNT]
"""
import sys

import grpc


def varint(n):
    out = b""
    while True:
        low, n = n & 0x7F, n >> 7
        if n:
            out += bytes([low | 0x80])
        else:
            return out + bytes([low])


port = sys.argv[1]
text = sys.argv[2] if len(sys.argv) > 2 else "h\u00e9llo w\u00f6rld \u2713"
count = int(sys.argv[3]) if len(sys.argv) > 3 else 1
body = text.encode("utf-8")
request = b"\x0a" + varint(len(body)) + body  # EchoRequest{message = text}
with grpc.insecure_channel("127.0.0.1:" + port) as channel:
    echo = channel.unary_unary("/bench.Echo/UnaryEcho")
    for _ in range(count):
        assert echo(request, timeout=5) == request, "the echo differs"
print("ok")
