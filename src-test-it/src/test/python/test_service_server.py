#!/usr/bin/python3
"""grpc.aio peer server for the rpc-vertx interop tests.

Serves the shared test-service contract (service ``rpcvertx.it.TestService``, raw bytes, no protobuf):

* ``UnaryCall``: the response is the request.
* ``StreamingOutputCall``: the request back N times, N = request metadata ``x-count`` (default 3).
* ``StreamingInputCall``: the response is UTF-8 ``"<messages>:<totalBytes>"``.
* ``FullDuplexCall``: each message is echoed as it arrives; OK once the client half-closes.

Behaviour metadata, for every method:

* ``x-echo-initial`` / ``x-echo-initial-bin``: copied to the initial metadata, which is sent at once.
* ``x-echo-trailing`` / ``x-echo-trailing-bin``: copied to the trailing metadata.
* ``x-status`` (decimal) and optional ``x-details-bin`` (UTF-8): end with that status after the normal messages.
* ``x-hang: 1``: never respond (after sending echoed initial metadata, if any) and wait for the cancellation or the
  deadline; prints ``CANCELLED <Method>`` when the server observes it.
* ``x-compress: gzip|deflate``: compress the responses.
* ``x-echo-auth: 1`` (this script only): the initial metadata also carries the peer as grpc sees it,
  ``x-auth-transport-security-type``, ``x-auth-peer-identity-key`` and ``x-auth-peer-identities`` (comma-separated),
  each present when grpc reports it.

Usage: ``test_service_server.py [--port=0] [--max-receive=BYTES] [--tls-cert=PEM --tls-key=PEM [--tls-ca=PEM]
[--require-client-auth]]``. Without ``--tls-cert`` the port is plaintext, as before; with it the port is TLS
(``grpc.ssl_server_credentials``), verifying client certificates against ``--tls-ca`` and requiring one with
``--require-client-auth``. Prints ``LISTENING <port>`` once serving; stops (grace 1 s) on SIGTERM, SIGINT or when stdin
reaches end of file (so it never outlives the process that started it).
"""

import argparse
import asyncio
import os
import signal
import threading

import grpc
import grpc.aio

SERVICE = "rpcvertx.it.TestService"

COMPRESSION = {"gzip": grpc.Compression.Gzip, "deflate": grpc.Compression.Deflate}


def emit(line):
    print(line, flush=True)


def first(metadata, key):
    for k, v in metadata:
        if k == key:
            return v
    return None


def pick(metadata, *keys):
    return tuple((k, v) for k, v in metadata if k in keys)


def auth_metadata(context):
    """The peer as grpc reports it, as text metadata."""
    md = []
    auth = context.auth_context() or {}
    for value in auth.get("transport_security_type", ()):
        md.append(("x-auth-transport-security-type", value.decode("utf-8")))
    key = context.peer_identity_key()
    if key is not None:
        md.append(("x-auth-peer-identity-key", key))
    identities = context.peer_identities()
    if identities is not None:
        md.append(("x-auth-peer-identities", ",".join(i.decode("utf-8") for i in identities)))
    return tuple(md)


class Behaviour:
    """What the request metadata asks of one call."""

    def __init__(self, method, context):
        self.method = method
        self.context = context
        md = tuple(context.invocation_metadata() or ())
        self.initial = pick(md, "x-echo-initial", "x-echo-initial-bin")
        self.trailing = pick(md, "x-echo-trailing", "x-echo-trailing-bin")
        status = first(md, "x-status")
        self.status = int(status) if status is not None else 0
        details = first(md, "x-details-bin")
        self.details = details.decode("utf-8") if details is not None else ""
        self.hang = first(md, "x-hang") == "1"
        if first(md, "x-echo-auth") == "1":
            self.initial += auth_metadata(context)
        self.compress = first(md, "x-compress")
        count = first(md, "x-count")
        self.count = int(count) if count is not None else 3

    async def begin(self):
        """Applies compression and metadata; hangs (until cancelled) if asked to."""
        if self.compress is not None:
            self.context.set_compression(COMPRESSION[self.compress])
        if self.trailing:
            self.context.set_trailing_metadata(self.trailing)
        try:
            # The cancellation can land while the initial metadata is still being sent: the client may see the
            # headers and cancel before this coroutine resumes. It is reported wherever it lands.
            if self.initial:
                await self.context.send_initial_metadata(self.initial)
            if self.hang:
                await asyncio.Event().wait()
        except asyncio.CancelledError:
            emit(f"CANCELLED {self.method}")
            raise

    def status_code(self):
        for code in grpc.StatusCode:
            if code.value[0] == self.status:
                return code
        return grpc.StatusCode.UNKNOWN

    async def end_unary(self, response):
        """Returns the response, or aborts with the requested status."""
        if self.status != 0:
            await self.context.abort(self.status_code(), self.details, self.trailing)
        return response

    def end_streaming(self):
        if self.status != 0:
            self.context.set_code(self.status_code())
            self.context.set_details(self.details)


async def unary_call(request, context):
    b = Behaviour("UnaryCall", context)
    await b.begin()
    return await b.end_unary(request)


async def streaming_output_call(request, context):
    b = Behaviour("StreamingOutputCall", context)
    await b.begin()
    for _ in range(b.count):
        await context.write(request)
    b.end_streaming()


async def streaming_input_call(request_iterator, context):
    b = Behaviour("StreamingInputCall", context)
    await b.begin()
    messages = 0
    total = 0
    async for message in request_iterator:
        messages += 1
        total += len(message)
    return await b.end_unary(f"{messages}:{total}".encode("utf-8"))


async def full_duplex_call(request_iterator, context):
    b = Behaviour("FullDuplexCall", context)
    await b.begin()
    async for message in request_iterator:
        await context.write(message)
    b.end_streaming()


def handler():
    # No (de)serializers: requests and responses are raw bytes.
    return grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "UnaryCall": grpc.unary_unary_rpc_method_handler(unary_call),
            "StreamingOutputCall": grpc.unary_stream_rpc_method_handler(streaming_output_call),
            "StreamingInputCall": grpc.stream_unary_rpc_method_handler(streaming_input_call),
            "FullDuplexCall": grpc.stream_stream_rpc_method_handler(full_duplex_call),
        },
    )


def read(path):
    with open(path, "rb") as f:
        return f.read()


def watch_stdin(loop, stop):
    """Sets ``stop`` when stdin reaches end of file (the parent closed it or died)."""

    def run():
        try:
            # os.read on the raw descriptor: a daemon thread blocked in sys.stdin's buffered reader would abort
            # interpreter shutdown after a SIGTERM.
            while os.read(0, 4096):
                pass
        finally:
            loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=run, name="stdin-watch", daemon=True).start()


async def serve(args):
    options = []
    if args.max_receive is not None:
        options.append(("grpc.max_receive_message_length", args.max_receive))
    server = grpc.aio.server(options=options)
    server.add_generic_rpc_handlers((handler(),))
    if args.tls_cert is not None:
        credentials = grpc.ssl_server_credentials(
            [(read(args.tls_key), read(args.tls_cert))],
            root_certificates=read(args.tls_ca) if args.tls_ca else None,
            require_client_auth=args.require_client_auth,
        )
        port = server.add_secure_port(f"127.0.0.1:{args.port}", credentials)
    else:
        port = server.add_insecure_port(f"127.0.0.1:{args.port}")
    if port == 0:
        raise SystemExit(f"cannot bind 127.0.0.1:{args.port}")
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: any free port)")
    parser.add_argument("--max-receive", type=int, default=None, help="grpc.max_receive_message_length in bytes")
    parser.add_argument("--tls-cert", help="PEM certificate chain: serve TLS instead of plaintext")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--tls-ca", help="PEM CA certificates client certificates are verified against")
    parser.add_argument("--require-client-auth", action="store_true", help="require a client certificate")
    args = parser.parse_args()
    if (args.tls_cert is None) != (args.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    if args.require_client_auth and args.tls_ca is None:
        parser.error("--require-client-auth needs --tls-ca")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
