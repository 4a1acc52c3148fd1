#!/usr/bin/python3
"""grpc.aio (grpcio, C-core) interop server: the standard ``grpc.testing.TestService``.

Implements https://github.com/grpc/grpc/blob/master/doc/interop-test-descriptions.md (server features): EmptyCall,
UnaryCall (response size, EchoStatus, CompressedResponse), StreamingOutputCall (interval_us, per-message compression),
StreamingInputCall, FullDuplexCall, HalfDuplexCall; echo of ``x-grpc-test-echo-initial`` (initial metadata) and
``x-grpc-test-echo-trailing-bin`` (trailing metadata). ``UnimplementedCall`` is left out on purpose, so it answers
UNIMPLEMENTED like every reference server.

CompressedRequest (``expect_compressed``) is not implemented: grpcio neither tells a handler whether a request message
was compressed nor shows it the ``grpc-encoding`` request header, so the server cannot check it (grpc-java's reference
TestServiceServer does not check it either). Clients' compression probes therefore fail against this server, as they
do against grpc-java's.

Messages are built at run time from the descriptor set (see interop_protos.py); handlers are generic, so no generated
code is involved. Flags follow grpc-java's TestServiceServer: ``--port`` (0 = any free port), ``--use_tls``
(default false here), ``--tls_cert_file``, ``--tls_key_file`` (default: grpc-java's test ``server1.pem``/``.key``
from ``target/grpc-test-certs``). Binds 127.0.0.1 only. Prints ``LISTENING <port>`` once serving; stops on SIGTERM,
SIGINT or end of stdin.
"""

import argparse
import asyncio
import os
import signal
import sys
import threading

import grpc
import grpc.aio

from interop_protos import SERVICE, Messages, serializer

CERTS = os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "target", "grpc-test-certs", "certs"))

ECHO_INITIAL = "x-grpc-test-echo-initial"
ECHO_TRAILING = "x-grpc-test-echo-trailing-bin"
MAX_MESSAGE = 16 * 1024 * 1024  # grpc-java's TestServiceServer accepts 16 MiB (very_large_request sends 10 MiB)


def emit(line):
    print(line, flush=True)


def status_code(number):
    for code in grpc.StatusCode:
        if code.value[0] == number:
            return code
    return grpc.StatusCode.UNKNOWN


class Service:
    def __init__(self, m):
        self.m = m

    async def begin(self, context):
        """Echoes the interop metadata: initial at once, trailing with the status."""
        md = tuple(context.invocation_metadata() or ())
        initial = tuple((k, v) for k, v in md if k == ECHO_INITIAL)
        trailing = tuple((k, v) for k, v in md if k == ECHO_TRAILING)
        if trailing:
            context.set_trailing_metadata(trailing)
        if initial:
            await context.send_initial_metadata(initial)
        return trailing

    def payload(self, size):
        return self.m.Payload(type=self.m.COMPRESSABLE, body=bytes(size))

    async def echo_status(self, request, context, trailing):
        if request.HasField("response_status") and request.response_status.code != 0:
            await context.abort(status_code(request.response_status.code), request.response_status.message,
                                trailing)

    async def empty_call(self, request, context):
        await self.begin(context)
        return self.m.Empty()

    async def unary_call(self, request, context):
        if request.HasField("response_compressed") and request.response_compressed.value:
            context.set_compression(grpc.Compression.Gzip)
        trailing = await self.begin(context)
        await self.echo_status(request, context, trailing)
        response = self.m.SimpleResponse()
        if request.response_size > 0:
            response.payload.CopyFrom(self.payload(request.response_size))
        return response

    async def write_responses(self, request, context):
        for params in request.response_parameters:
            if params.interval_us > 0:
                await asyncio.sleep(params.interval_us / 1e6)
            if not (params.HasField("compressed") and params.compressed.value):
                context.disable_next_message_compression()
            await context.write(self.m.StreamingOutputCallResponse(payload=self.payload(params.size)))

    @staticmethod
    def compress_any(request):
        return any(p.HasField("compressed") and p.compressed.value for p in request.response_parameters)

    async def streaming_output_call(self, request, context):
        if self.compress_any(request):
            context.set_compression(grpc.Compression.Gzip)
        trailing = await self.begin(context)
        await self.echo_status(request, context, trailing)
        await self.write_responses(request, context)

    async def streaming_input_call(self, request_iterator, context):
        trailing = await self.begin(context)
        total = 0
        async for request in request_iterator:
                total += len(request.payload.body)
        return self.m.StreamingInputCallResponse(aggregated_payload_size=total)

    async def full_duplex_call(self, request_iterator, context):
        trailing = None
        async for request in request_iterator:
            if trailing is None:
                # Compression is fixed with the response headers, so the first request decides it.
                if self.compress_any(request):
                    context.set_compression(grpc.Compression.Gzip)
                trailing = await self.begin(context)
            await self.echo_status(request, context, trailing)
            await self.write_responses(request, context)
        if trailing is None:
            await self.begin(context)

    async def half_duplex_call(self, request_iterator, context):
        requests = [request async for request in request_iterator]
        if any(self.compress_any(r) for r in requests):
            context.set_compression(grpc.Compression.Gzip)
        trailing = await self.begin(context)
        for request in requests:
            await self.echo_status(request, context, trailing)
            await self.write_responses(request, context)

    def handler(self):
        m = self.m

        def unary(fn, req):
            return grpc.unary_unary_rpc_method_handler(fn, req.FromString, serializer)

        return grpc.method_handlers_generic_handler(SERVICE, {
            "EmptyCall": unary(self.empty_call, m.Empty),
            "UnaryCall": unary(self.unary_call, m.SimpleRequest),
            "StreamingOutputCall": grpc.unary_stream_rpc_method_handler(
                self.streaming_output_call, m.StreamingOutputCallRequest.FromString, serializer),
            "StreamingInputCall": grpc.stream_unary_rpc_method_handler(
                self.streaming_input_call, m.StreamingInputCallRequest.FromString, serializer),
            "FullDuplexCall": grpc.stream_stream_rpc_method_handler(
                self.full_duplex_call, m.StreamingOutputCallRequest.FromString, serializer),
            "HalfDuplexCall": grpc.stream_stream_rpc_method_handler(
                self.half_duplex_call, m.StreamingOutputCallRequest.FromString, serializer),
        })


def read(path):
    with open(path, "rb") as f:
        return f.read()


def watch_stdin(loop, stop):
    """Sets ``stop`` when stdin reaches end of file (the parent closed it or died)."""

    def run():
        try:
            while os.read(0, 4096):
                pass
        finally:
            loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=run, name="stdin-watch", daemon=True).start()


async def serve(args):
    options = [("grpc.max_receive_message_length", MAX_MESSAGE), ("grpc.max_send_message_length", MAX_MESSAGE)]
    server = grpc.aio.server(options=options)
    server.add_generic_rpc_handlers((Service(Messages(args.protoset)).handler(),))
    address = f"127.0.0.1:{args.port}"
    if args.use_tls:
        credentials = grpc.ssl_server_credentials([(read(args.tls_key_file), read(args.tls_cert_file))])
        port = server.add_secure_port(address, credentials)
    else:
        port = server.add_insecure_port(address)
    if port == 0:
        raise SystemExit(f"cannot bind {address}")
    await server.start()

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    watch_stdin(loop, stop)

    emit(f"LISTENING {port}")
    await stop.wait()
    await server.stop(grace=1)
    emit("STOPPED")


def boolean(text):
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"not a boolean: {text}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: any free port)")
    parser.add_argument("--use_tls", type=boolean, nargs="?", const=True, default=False)
    parser.add_argument("--tls_cert_file", default=os.path.join(CERTS, "server1.pem"))
    parser.add_argument("--tls_key_file", default=os.path.join(CERTS, "server1.key"))
    parser.add_argument("--protoset", default=None, help="FileDescriptorSet of grpc/testing/*.proto")
    args = parser.parse_args()
    if args.protoset is None:
        from interop_protos import DEFAULT_PROTOSET
        args.protoset = DEFAULT_PROTOSET
    asyncio.run(serve(args))


if __name__ == "__main__":
    sys.exit(main())
