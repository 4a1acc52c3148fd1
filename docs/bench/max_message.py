#!/usr/bin/python3
"""Ask a bench.Echo server whether it echoes a unary message of each size (grpcio, Debian python3-grpcio).

  max_message.py NAME PORT SIZE...   ->  one CSV line per size: NAME,SIZE,RESULT

RESULT is `ok` (the reply is the request, byte for byte), `refused:<STATUS>` (the call failed, e.g.
refused:RESOURCE_EXHAUSTED for a server whose maximum message size is below SIZE) or `wrong-echo`.
h2load counts every HTTP 200 response as a success, gRPC errors included, so sweep.sh runs this to know which
(server, size) points of its message-size sweep measured refusals; charts.py leaves those out.
"""
import sys

import grpc


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def echo_request(size):
    """EchoRequest{message = SIZE ascii bytes}, the body tools/mkreq.py gives h2load (without the 5-byte prefix)."""
    text = bytes((ord("a") + i % 26) for i in range(size))
    return (varint(1 << 3 | 2) + varint(size) + text) if size else b""


def main():
    name, port, sizes = sys.argv[1], int(sys.argv[2]), [int(s) for s in sys.argv[3:]]
    limit = 64 * 1024 * 1024
    options = [("grpc.max_receive_message_length", limit), ("grpc.max_send_message_length", limit)]
    with grpc.insecure_channel("127.0.0.1:%d" % port, options=options) as channel:
        call = channel.unary_unary("/bench.Echo/UnaryEcho")  # bytes in, bytes out
        for size in sizes:
            request = echo_request(size)
            try:
                reply = call(request, timeout=30)
                result = "ok" if reply == request else "wrong-echo"
            except grpc.RpcError as e:
                result = "refused:%s" % e.code().name
                print("%s %d: %s %s" % (name, size, e.code().name, e.details()), file=sys.stderr)
            print("%s,%d,%s" % (name, size, result), flush=True)


if __name__ == "__main__":
    main()
