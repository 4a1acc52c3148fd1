#!/usr/bin/python3
"""grpc.aio peer client for the rpc-vertx interop tests.

Runs one named case against a server of the shared test-service contract (see test_service_server.py):

    test_service_client.py --target=127.0.0.1:PORT --case=large_unary

Plaintext by default; ``--tls-ca=PEM`` makes the channel TLS (``grpc.ssl_channel_credentials``), with a client
certificate from ``--tls-cert``/``--tls-key`` and ``grpc.ssl_target_name_override`` from ``--tls-override``.

Exits 0 and prints ``OK <case>`` on success; exits 1 with ``FAIL <case>: <reason>`` on an assertion failure or an
unexpected error (traceback on stderr); exits 2 for an unknown case. ``--list`` prints the case names.

``unknown_error`` and ``abort_status`` call ``rpcvertx.it.Extra``, which only the Java test server registers.
"""

import argparse
import asyncio
import sys
import traceback

import grpc
import grpc.aio

SERVICE = "/rpcvertx.it.TestService/"
UNARY = SERVICE + "UnaryCall"
STREAMING_OUTPUT = SERVICE + "StreamingOutputCall"
STREAMING_INPUT = SERVICE + "StreamingInputCall"
FULL_DUPLEX = SERVICE + "FullDuplexCall"

# Generous per-call bound so a broken peer fails the case instead of hanging it.
TIMEOUT = 10.0

MAX_MESSAGE = 4 * 1024 * 1024
ALL_BYTES = bytes(range(256))


class CaseFailure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise CaseFailure(message)


def payload(size, seed=0):
    return bytes((seed + i) % 251 for i in range(size))


def describe(data):
    if data is None:
        return "None"
    return f"{len(data)} bytes" if len(data) > 40 else repr(data)


def check_echo(expected, actual, what="response"):
    check(actual == expected, f"{what}: expected {describe(expected)}, got {describe(actual)}")


async def expect_error(call, code, what):
    """Awaits a unary-response call and returns its AioRpcError, which must carry ``code``."""
    try:
        response = await call
    except grpc.aio.AioRpcError as e:
        check(e.code() == code, f"{what}: expected {code.name}, got {e.code().name} ({e.details()!r})")
        return e
    raise CaseFailure(f"{what}: expected {code.name}, got OK with {describe(response)}")


def metadata_value(metadata, key):
    values = [v for k, v in (metadata or ()) if k == key]
    return values[0] if values else None


def unary(channel, method=UNARY):
    return channel.unary_unary(method)


async def empty_unary(channel):
    check_echo(b"", await unary(channel)(b"", timeout=TIMEOUT))


async def large_unary(channel):
    request = payload(271828)
    check_echo(request, await unary(channel)(request, timeout=TIMEOUT))


async def server_streaming(channel):
    request = payload(1000)
    call = channel.unary_stream(STREAMING_OUTPUT)(request, timeout=TIMEOUT, metadata=(("x-count", "5"),))
    responses = [m async for m in call]
    check(len(responses) == 5, f"expected 5 responses, got {len(responses)}")
    for i, r in enumerate(responses):
        check_echo(request, r, f"response {i}")
    check(await call.code() == grpc.StatusCode.OK, f"expected OK, got {await call.code()}")


async def client_streaming(channel):
    sizes = (27182, 8, 1828, 45904)
    call = channel.stream_unary(STREAMING_INPUT)(timeout=TIMEOUT)
    for i, size in enumerate(sizes):
        await call.write(payload(size, i))
    await call.done_writing()
    check_echo(f"{len(sizes)}:{sum(sizes)}".encode(), await call)


async def ping_pong(channel):
    call = channel.stream_stream(FULL_DUPLEX)(timeout=TIMEOUT)
    for i, size in enumerate((31415, 9, 2653, 58979)):
        request = payload(size, i)
        await call.write(request)
        check_echo(request, await call.read(), f"echo {i}")
    await call.done_writing()
    end = await call.read()
    check(end is grpc.aio.EOF, f"expected EOF after done_writing, got {describe(end)}")
    check(await call.code() == grpc.StatusCode.OK, f"expected OK, got {await call.code()}")


async def max_size_unary(channel):
    request = payload(MAX_MESSAGE)
    check_echo(request, await unary(channel)(request, timeout=TIMEOUT))


async def oversize_unary(channel):
    # The channel's send limit is raised (see CHANNEL_OPTIONS), so the server's 4 MiB receive limit is what trips.
    await expect_error(
        unary(channel)(payload(MAX_MESSAGE + 1), timeout=TIMEOUT), grpc.StatusCode.RESOURCE_EXHAUSTED, "4 MiB + 1"
    )


async def metadata(channel):
    initial_bin = ALL_BYTES
    trailing_bin = bytes(reversed(ALL_BYTES))
    md = (
        ("x-echo-initial", "test_initial_metadata_value"),
        ("x-echo-initial-bin", initial_bin),
        ("x-echo-trailing", "test_trailing_metadata_value"),
        ("x-echo-trailing-bin", trailing_bin),
    )
    for name, call in (
        ("unary", unary(channel)(b"meta", timeout=TIMEOUT, metadata=md)),
        ("full duplex", channel.stream_stream(FULL_DUPLEX)(iter([b"meta"]), timeout=TIMEOUT, metadata=md)),
    ):
        if name == "unary":
            check_echo(b"meta", await call, name)
        else:
            responses = [m async for m in call]
            check(responses == [b"meta"], f"{name}: expected [b'meta'], got {responses!r}")
        initial = await call.initial_metadata()
        trailing = await call.trailing_metadata()
        for where, got, key, want in (
            ("initial", initial, "x-echo-initial", "test_initial_metadata_value"),
            ("initial", initial, "x-echo-initial-bin", initial_bin),
            ("trailing", trailing, "x-echo-trailing", "test_trailing_metadata_value"),
            ("trailing", trailing, "x-echo-trailing-bin", trailing_bin),
        ):
            value = metadata_value(got, key)
            check(value == want, f"{name}: {where} {key}: expected {describe(want)}, got {describe(value)} in {got!r}")


DETAILS = "dénié ✓ 100% \n"


async def status_details(channel):
    md = (
        ("x-status", "7"),
        ("x-details-bin", DETAILS.encode("utf-8")),
        ("x-echo-trailing", "after-status"),
    )
    e = await expect_error(
        unary(channel)(b"status", timeout=TIMEOUT, metadata=md), grpc.StatusCode.PERMISSION_DENIED, "x-status=7"
    )
    check(e.details() == DETAILS, f"details: expected {DETAILS!r}, got {e.details()!r}")
    value = metadata_value(e.trailing_metadata(), "x-echo-trailing")
    check(value == "after-status", f"trailing x-echo-trailing: expected 'after-status', got {e.trailing_metadata()!r}")


async def deadline(channel):
    await expect_error(
        unary(channel)(b"sleep", timeout=0.3, metadata=(("x-hang", "1"),)),
        grpc.StatusCode.DEADLINE_EXCEEDED,
        "x-hang with timeout 0.3 s",
    )


async def cancel(channel):
    # The contract sends echoed headers as soon as the call starts: once they arrive, the handler is running, so the
    # server can observe the cancellation (cancelling earlier may kill the stream before it is dispatched).
    md = (("x-hang", "1"), ("x-echo-initial", "started"))
    call = channel.stream_stream(FULL_DUPLEX)(timeout=TIMEOUT, metadata=md)
    await call.write(b"hello")
    initial = await call.initial_metadata()
    check(metadata_value(initial, "x-echo-initial") == "started", f"initial metadata: {initial!r}")
    check(call.cancel(), "cancel() returned False: the call had already ended")
    check(call.cancelled(), "cancelled() is False after cancel()")
    code = await call.code()
    check(code == grpc.StatusCode.CANCELLED, f"expected CANCELLED, got {code}")
    try:
        message = await call.read()
    except asyncio.CancelledError:
        pass
    else:
        raise CaseFailure(f"read() after cancel: expected CancelledError, got {describe(message)}")


async def unimplemented_method(channel):
    await expect_error(unary(channel, SERVICE + "NoSuchMethod")(b"", timeout=TIMEOUT), grpc.StatusCode.UNIMPLEMENTED,
                       "unknown method")


async def unimplemented_service(channel):
    await expect_error(unary(channel, "/rpcvertx.it.NoSuchService/UnaryCall")(b"", timeout=TIMEOUT),
                       grpc.StatusCode.UNIMPLEMENTED, "unknown service")


def compressible(size):
    return (b"rpc-vertx compression round trip " * (size // 33 + 1))[:size]


async def compression_round_trip(channel, compression, name):
    request = compressible(100_000)
    md = (("x-compress", name),)
    response = await unary(channel)(request, timeout=TIMEOUT, metadata=md, compression=compression)
    check_echo(request, response, "unary")
    call = channel.unary_stream(STREAMING_OUTPUT)(
        request, timeout=TIMEOUT, metadata=md + (("x-count", "2"),), compression=compression
    )
    responses = [m async for m in call]
    check(len(responses) == 2, f"server streaming: expected 2 responses, got {len(responses)}")
    for i, r in enumerate(responses):
        check_echo(request, r, f"streaming response {i}")
    call = channel.stream_unary(STREAMING_INPUT)(timeout=TIMEOUT, metadata=md, compression=compression)
    await call.write(request)
    await call.write(request)
    await call.done_writing()
    check_echo(f"2:{2 * len(request)}".encode(), await call, "client streaming")


async def compression_gzip(channel):
    await compression_round_trip(channel, grpc.Compression.Gzip, "gzip")


async def compression_deflate(channel):
    await compression_round_trip(channel, grpc.Compression.Deflate, "deflate")


async def unknown_error(channel):
    e = await expect_error(unary(channel, "/rpcvertx.it.Extra/Throw")(b"", timeout=TIMEOUT), grpc.StatusCode.UNKNOWN,
                           "handler that throws")
    details = e.details() or ""
    for leak in ("Exception", "\tat ", "at io.", ".java:"):
        check(leak not in details, f"details leak a Java exception ({leak!r}): {details!r}")


async def abort_status(channel):
    e = await expect_error(unary(channel, "/rpcvertx.it.Extra/Abort")(b"", timeout=TIMEOUT),
                           grpc.StatusCode.FAILED_PRECONDITION, "context.abort")
    check(e.details() == "nope", f"details: expected 'nope', got {e.details()!r}")


async def auth_probe(channel):
    """``rpcvertx.it.AuthProbe/Probe``, which only the Java security tests serve: an echo that records the peer."""
    check_echo(b"probe", await unary(channel, "/rpcvertx.it.AuthProbe/Probe")(b"probe", timeout=TIMEOUT))


CASES = {
    f.__name__: f
    for f in (
        auth_probe,
        empty_unary,
        large_unary,
        server_streaming,
        client_streaming,
        ping_pong,
        max_size_unary,
        oversize_unary,
        metadata,
        status_details,
        deadline,
        cancel,
        unimplemented_method,
        unimplemented_service,
        compression_gzip,
        compression_deflate,
        unknown_error,
        abort_status,
    )
}

# Raise the send limit (default: unlimited in grpcio, but be explicit) so oversize requests reach the server.
CHANNEL_OPTIONS = (("grpc.max_send_message_length", 2 * MAX_MESSAGE),)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def open_channel(target, args):
    if args.tls_ca is None:
        return grpc.aio.insecure_channel(target, options=CHANNEL_OPTIONS)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(args.tls_ca),
        private_key=read(args.tls_key) if args.tls_key else None,
        certificate_chain=read(args.tls_cert) if args.tls_cert else None,
    )
    options = CHANNEL_OPTIONS
    if args.tls_override:
        options += (("grpc.ssl_target_name_override", args.tls_override),)
    return grpc.aio.secure_channel(target, credentials, options=options)


async def run(target, name, args):
    async with open_channel(target, args) as channel:
        await asyncio.wait_for(CASES[name](channel), timeout=2 * TIMEOUT)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", help="host:port of the server")
    parser.add_argument("--case", help="the case to run")
    parser.add_argument("--list", action="store_true", help="print the case names and exit")
    parser.add_argument("--tls-ca", help="PEM CA certificates: connect with TLS, trusting these")
    parser.add_argument("--tls-cert", help="PEM client certificate chain (mutual TLS)")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--tls-override", help="grpc.ssl_target_name_override")
    args = parser.parse_args()
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    if args.tls_cert is not None and args.tls_ca is None:
        parser.error("--tls-cert needs --tls-ca")
    if args.list:
        print("\n".join(CASES))
        return 0
    if not args.target or not args.case:
        parser.error("--target and --case are required")
    if args.case not in CASES:
        print(f"unknown case {args.case!r}; cases: {', '.join(CASES)}", file=sys.stderr)
        return 2
    try:
        asyncio.run(run(args.target, args.case, args))
    except CaseFailure as e:
        print(f"FAIL {args.case}: {e}", flush=True)
        return 1
    except Exception as e:  # an unexpected error fails the case too, with the whole story on stderr
        traceback.print_exc()
        print(f"FAIL {args.case}: unexpected {type(e).__name__}: {e}", flush=True)
        return 1
    print(f"OK {args.case}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
