#!/usr/bin/python3
"""grpc.aio (grpcio, C-core) interop client: the standard test cases against any ``grpc.testing.TestService``.

Cases per https://github.com/grpc/grpc/blob/master/doc/interop-test-descriptions.md, plus grpc-java's
very_large_request (a 10 MiB request, a 10 byte response) and client_compressed_{unary,streaming}_noprobe (the
compression cases without the probe that needs a server checking ``expect_compressed``). Prints one line per case, in order:

* ``PASS <case>``
* ``FAIL <case>: <reason>``
* ``NOTE <case>: <text>``, before the PASS/FAIL line, where grpcio's API cannot check all the case asks for:
  server_compressed_*: grpcio does not expose the compressed flag of a received message, so only the payloads are
  checked; client_compressed_streaming: grpc.aio cannot switch compression off for one message of a call, so the
  second (``expect_compressed: false``) message is sent compressed too.

Exits 0 when every case passed, 1 otherwise. Flags follow grpc-java's TestServiceClient: ``--server_host``,
``--server_port``, ``--test_case`` (one case, a comma-separated list, or ``all``), ``--use_tls``, ``--use_test_ca``,
``--ca_file`` (default with TLS: grpc-java's test ``ca.pem`` from ``target/grpc-test-certs``),
``--server_host_override`` (TLS name and :authority).
"""

import argparse
import asyncio
import os
import sys

import grpc
import grpc.aio

from interop_protos import DEFAULT_PROTOSET, SERVICE, UNIMPLEMENTED_SERVICE, Messages, serializer

CERTS = os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "target", "grpc-test-certs", "certs"))

CASES = ("empty_unary", "large_unary", "client_streaming", "server_streaming", "ping_pong", "empty_stream",
         "cancel_after_begin", "cancel_after_first_response", "timeout_on_sleeping_server", "custom_metadata",
         "status_code_and_message", "special_status_message", "unimplemented_method", "unimplemented_service",
         "client_compressed_unary", "client_compressed_streaming", "server_compressed_unary",
         "server_compressed_streaming", "very_large_request", "client_compressed_unary_noprobe",
         "client_compressed_streaming_noprobe")

CASE_TIMEOUT = 30.0
MAX_MESSAGE = 16 * 1024 * 1024
ECHO_INITIAL = ("x-grpc-test-echo-initial", "test_initial_metadata_value")
ECHO_TRAILING = ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab")
SPECIAL_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"


def emit(line):
    print(line, flush=True)


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def values(metadata, key):
    return [v for k, v in (metadata or ()) if k == key]


async def expect_status(awaitable, code, details=None):
    """Awaits a call that must fail with ``code`` (and ``details`` if given)."""
    try:
        result = await awaitable
    except grpc.aio.AioRpcError as e:
        check(e.code() == code, f"expected {code.name}, got {e.code().name}: {e.details()!r}")
        if details is not None:
            check(e.details() == details, f"expected details {details!r}, got {e.details()!r}")
        return
    raise Failure(f"expected {code.name}, got a response: {str(result)[:100]!r}")


class Client:
    def __init__(self, channel, m):
        self.m = m
        self.channel = channel
        self.notes = []

        def method(name, kind, request, response, service=SERVICE):
            return getattr(channel, kind)(f"/{service}/{name}", request_serializer=serializer,
                                          response_deserializer=response.FromString)

        self.empty_call = method("EmptyCall", "unary_unary", m.Empty, m.Empty)
        self.unary_call = method("UnaryCall", "unary_unary", m.SimpleRequest, m.SimpleResponse)
        self.streaming_output_call = method("StreamingOutputCall", "unary_stream", m.StreamingOutputCallRequest,
                                            m.StreamingOutputCallResponse)
        self.streaming_input_call = method("StreamingInputCall", "stream_unary", m.StreamingInputCallRequest,
                                           m.StreamingInputCallResponse)
        self.full_duplex_call = method("FullDuplexCall", "stream_stream", m.StreamingOutputCallRequest,
                                       m.StreamingOutputCallResponse)
        self.unimplemented_call = method("UnimplementedCall", "unary_unary", m.Empty, m.Empty)
        self.unimplemented_service_call = method("UnimplementedCall", "unary_unary", m.Empty, m.Empty,
                                                 service=UNIMPLEMENTED_SERVICE)

    def note(self, text):
        self.notes.append(text)

    # Messages.

    def payload(self, size):
        return self.m.Payload(type=self.m.COMPRESSABLE, body=bytes(size))

    def simple_request(self, response_size=314159, request_size=271828, **fields):
        return self.m.SimpleRequest(response_type=self.m.COMPRESSABLE, response_size=response_size,
                                    payload=self.payload(request_size), **fields)

    def output_request(self, sizes, request_size=None, compressed=None, **fields):
        request = self.m.StreamingOutputCallRequest(response_type=self.m.COMPRESSABLE, **fields)
        for i, size in enumerate(sizes):
            params = request.response_parameters.add(size=size)
            if compressed is not None:
                params.compressed.value = compressed[i]
        if request_size is not None:
            request.payload.CopyFrom(self.payload(request_size))
        return request

    def input_request(self, size, expect_compressed=None):
        request = self.m.StreamingInputCallRequest(payload=self.payload(size))
        if expect_compressed is not None:
            request.expect_compressed.value = expect_compressed
        return request

    def check_payload(self, response, size):
        body = response.payload.body
        check(len(body) == size, f"expected a {size} byte payload, got {len(body)} bytes")
        check(body == bytes(size), "payload is not all zeros")

    def status_request(self, message):
        return self.m.EchoStatus(code=2, message=message)

    # Cases.

    async def empty_unary(self):
        response = await self.empty_call(self.m.Empty())
        check(response.ByteSize() == 0, f"expected an empty response, got {response}")

    async def large_unary(self):
        self.check_payload(await self.unary_call(self.simple_request()), 314159)

    async def client_streaming(self):
        requests = [self.input_request(size) for size in (27182, 8, 1828, 45904)]
        response = await self.streaming_input_call(iter(requests))
        check(response.aggregated_payload_size == 74922,
              f"expected aggregated_payload_size 74922, got {response.aggregated_payload_size}")

    async def server_streaming(self):
        sizes = [31415, 9, 2653, 58979]
        call = self.streaming_output_call(self.output_request(sizes))
        got = [len(r.payload.body) async for r in call]
        check(got == sizes, f"expected payload sizes {sizes}, got {got}")
        check(await call.code() == grpc.StatusCode.OK, f"expected OK, got {await call.code()}")

    async def ping_pong(self):
        call = self.full_duplex_call()
        for size, request_size in ((31415, 27182), (9, 8), (2653, 1828), (58979, 45904)):
            await call.write(self.output_request([size], request_size))
            response = await call.read()
            check(response is not grpc.aio.EOF, "stream ended early")
            self.check_payload(response, size)
        await call.done_writing()
        check(await call.read() is grpc.aio.EOF, "expected no more responses")
        check(await call.code() == grpc.StatusCode.OK, f"expected OK, got {await call.code()}")

    async def empty_stream(self):
        call = self.full_duplex_call()
        await call.done_writing()
        check(await call.read() is grpc.aio.EOF, "expected zero responses")
        check(await call.code() == grpc.StatusCode.OK, f"expected OK, got {await call.code()}")

    async def cancel_after_begin(self):
        call = self.streaming_input_call()
        call.cancel()
        code = await call.code()
        check(code == grpc.StatusCode.CANCELLED, f"expected CANCELLED, got {code}")

    async def cancel_after_first_response(self):
        call = self.full_duplex_call()
        await call.write(self.output_request([31415], 27182))
        self.check_payload(await call.read(), 31415)
        call.cancel()
        code = await call.code()
        check(code == grpc.StatusCode.CANCELLED, f"expected CANCELLED, got {code}")

    async def timeout_on_sleeping_server(self):
        call = self.full_duplex_call(timeout=0.001)
        try:
            await call.write(self.m.StreamingOutputCallRequest(payload=self.payload(27182)))
            await call.read()
        except (grpc.aio.AioRpcError, asyncio.InvalidStateError):
            pass  # the deadline can expire before the write or the read; the status says which
        code = await call.code()
        check(code == grpc.StatusCode.DEADLINE_EXCEEDED, f"expected DEADLINE_EXCEEDED, got {code}")

    async def check_echoed_metadata(self, call, what):
        initial = values(await call.initial_metadata(), ECHO_INITIAL[0])
        check(initial == [ECHO_INITIAL[1]], f"{what}: initial metadata {ECHO_INITIAL[0]}: {initial}")
        trailing = values(await call.trailing_metadata(), ECHO_TRAILING[0])
        check(trailing == [ECHO_TRAILING[1]], f"{what}: trailing metadata {ECHO_TRAILING[0]}: {trailing}")

    async def custom_metadata(self):
        metadata = (ECHO_INITIAL, ECHO_TRAILING)
        call = self.unary_call(self.simple_request(), metadata=metadata)
        self.check_payload(await call, 314159)
        await self.check_echoed_metadata(call, "UnaryCall")

        call = self.full_duplex_call(metadata=metadata)
        await call.write(self.output_request([314159], 271828))
        self.check_payload(await call.read(), 314159)
        await call.done_writing()
        check(await call.read() is grpc.aio.EOF, "expected one response")
        check(await call.code() == grpc.StatusCode.OK, f"FullDuplexCall: expected OK, got {await call.code()}")
        await self.check_echoed_metadata(call, "FullDuplexCall")

    async def echo_status(self, message):
        await expect_status(self.unary_call(self.m.SimpleRequest(response_status=self.status_request(message))),
                            grpc.StatusCode.UNKNOWN, message)
        call = self.full_duplex_call()
        await call.write(self.m.StreamingOutputCallRequest(response_status=self.status_request(message)))
        await call.done_writing()
        code = await call.code()
        details = await call.details()
        check(code == grpc.StatusCode.UNKNOWN, f"FullDuplexCall: expected UNKNOWN, got {code}")
        check(details == message, f"FullDuplexCall: expected details {message!r}, got {details!r}")

    async def status_code_and_message(self):
        await self.echo_status("test status message")

    async def special_status_message(self):
        await expect_status(
            self.unary_call(self.m.SimpleRequest(response_status=self.status_request(SPECIAL_MESSAGE))),
            grpc.StatusCode.UNKNOWN, SPECIAL_MESSAGE)

    async def unimplemented_method(self):
        await expect_status(self.unimplemented_call(self.m.Empty()), grpc.StatusCode.UNIMPLEMENTED)

    async def unimplemented_service(self):
        await expect_status(self.unimplemented_service_call(self.m.Empty()), grpc.StatusCode.UNIMPLEMENTED)

    async def client_compressed_unary(self, probe=True):
        if probe:
            request = self.simple_request(expect_compressed=self.m.BoolValue(value=True))
            try:
                await expect_status(self.unary_call(request, compression=grpc.Compression.NoCompression),
                                    grpc.StatusCode.INVALID_ARGUMENT)
            except Failure as e:
                raise Failure(f"probe (uncompressed, expect_compressed=true): {e}") from None
        compressed = self.simple_request(expect_compressed=self.m.BoolValue(value=True))
        self.check_payload(await self.unary_call(compressed, compression=grpc.Compression.Gzip), 314159)
        plain = self.simple_request(expect_compressed=self.m.BoolValue(value=False))
        self.check_payload(await self.unary_call(plain, compression=grpc.Compression.NoCompression), 314159)

    async def client_compressed_streaming(self, probe=True):
        if probe:
            call = self.streaming_input_call(iter([self.input_request(27182, expect_compressed=True)]),
                                             compression=grpc.Compression.NoCompression)
            try:
                await expect_status(call, grpc.StatusCode.INVALID_ARGUMENT)
            except Failure as e:
                raise Failure(f"probe (uncompressed, expect_compressed=true): {e}") from None
        self.note("grpc.aio cannot disable compression for one message: the expect_compressed=false message "
                  "was sent compressed too")
        requests = [self.input_request(27182, expect_compressed=True),
                    self.input_request(45904, expect_compressed=False)]
        response = await self.streaming_input_call(iter(requests), compression=grpc.Compression.Gzip)
        check(response.aggregated_payload_size == 73086,
              f"expected aggregated_payload_size 73086, got {response.aggregated_payload_size}")

    async def server_compressed_unary(self):
        self.note("grpcio does not expose the compressed flag of a received message: payloads checked only")
        for compressed in (True, False):
            request = self.simple_request(response_compressed=self.m.BoolValue(value=compressed))
            self.check_payload(await self.unary_call(request), 314159)

    async def server_compressed_streaming(self):
        self.note("grpcio does not expose the compressed flag of a received message: payloads checked only")
        sizes = [31415, 92653]
        call = self.streaming_output_call(self.output_request(sizes, compressed=[True, False]))
        responses = [r async for r in call]
        check([len(r.payload.body) for r in responses] == sizes,
              f"expected payload sizes {sizes}, got {[len(r.payload.body) for r in responses]}")
        for response, size in zip(responses, sizes):
            self.check_payload(response, size)
        check(await call.code() == grpc.StatusCode.OK, f"expected OK, got {await call.code()}")

    async def client_compressed_unary_noprobe(self):
        await self.client_compressed_unary(probe=False)

    async def client_compressed_streaming_noprobe(self):
        await self.client_compressed_streaming(probe=False)

    async def very_large_request(self):
        response = await self.unary_call(self.simple_request(response_size=10, request_size=10 * 1024 * 1024))
        self.check_payload(response, 10)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def open_channel(args):
    target = f"{args.server_host}:{args.server_port}"
    options = [("grpc.max_receive_message_length", MAX_MESSAGE), ("grpc.max_send_message_length", MAX_MESSAGE)]
    if not args.use_tls:
        if args.server_host_override:
            options.append(("grpc.default_authority", args.server_host_override))
        return grpc.aio.insecure_channel(target, options=options)
    ca_file = args.ca_file or os.path.join(CERTS, "ca.pem")
    if args.server_host_override:
        options.append(("grpc.ssl_target_name_override", args.server_host_override))
        options.append(("grpc.default_authority", args.server_host_override))
    return grpc.aio.secure_channel(target, grpc.ssl_channel_credentials(root_certificates=read(ca_file)), options)


async def run(args, cases):
    m = Messages(args.protoset)
    failed = 0
    async with open_channel(args) as channel:
        for case in cases:
            client = Client(channel, m)
            try:
                await asyncio.wait_for(getattr(client, case)(), CASE_TIMEOUT)
                outcome = f"PASS {case}"
            except asyncio.TimeoutError:
                outcome = f"FAIL {case}: no outcome within {CASE_TIMEOUT:.0f} s"
            except Failure as e:
                outcome = f"FAIL {case}: {e}"
            except grpc.aio.AioRpcError as e:
                outcome = f"FAIL {case}: {e.code().name}: {e.details()!r}"
            except Exception as e:  # any other error is this case's failure, not the run's
                outcome = f"FAIL {case}: {type(e).__name__}: {e}"
            for text in client.notes:
                emit(f"NOTE {case}: {text}")
            failed += outcome.startswith("FAIL")
            emit(" ".join(outcome.split("\n")))
    return failed


def boolean(text):
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"not a boolean: {text}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server_host", default="127.0.0.1")
    parser.add_argument("--server_port", type=int, required=True)
    parser.add_argument("--test_case", default="all", help="a case, a comma-separated list, or all")
    parser.add_argument("--use_tls", type=boolean, nargs="?", const=True, default=False)
    parser.add_argument("--use_test_ca", type=boolean, nargs="?", const=True, default=True,
                        help="accepted for grpc-java compatibility; the test CA is the default --ca_file")
    parser.add_argument("--ca_file", default=None)
    parser.add_argument("--server_host_override", default=None)
    parser.add_argument("--protoset", default=DEFAULT_PROTOSET, help="FileDescriptorSet of grpc/testing/*.proto")
    args = parser.parse_args()
    cases = CASES if args.test_case == "all" else tuple(c.strip() for c in args.test_case.split(",") if c.strip())
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        parser.error(f"unknown test cases: {', '.join(unknown)} (known: {', '.join(CASES)})")
    return 1 if asyncio.run(run(args, cases)) else 0


if __name__ == "__main__":
    sys.exit(main())
