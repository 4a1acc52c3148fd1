package io.rpcvertx;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.streams.WriteStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The server side of one RPC, handed to its handler (grpc.aio {@code ServicerContext}).
 *
 * <p>Every method may be called from any thread; state changes happen on the call's event loop, where handlers run.
 * Once the call is done (handler finished, peer cancelled, deadline passed) writes fail and metadata changes are
 * ignored. A {@link RpcMethodHandler#blocking() blocking handler} runs on a worker thread: what it calls here hops to
 * the call's event loop, and the futures it gets back complete there (wait on them with {@link Blocking#await}).
 *
 * @param <Req> the request type
 * @param <Resp> the response type
 */
public interface ServicerContext<Req, Resp> extends RpcContext {
    /** The full method name, {@code /package.Service/Method}. */
    String method();

    /** The request metadata sent by the client (reserved headers removed). */
    Metadata invocationMetadata();

    /**
     * Sends the response headers now, with this metadata. At most once, before the first message; later calls fail
     * with {@link IllegalStateException}. Without it, headers go out with the first message or the status.
     */
    Future<Void> sendInitialMetadata(Metadata metadata);

    /** Sets the metadata sent in the trailers (replacing an earlier call). */
    void setTrailingMetadata(Metadata metadata);

    /** Sets the status code sent when the handler completes normally (default {@link StatusCode#OK}). */
    void setCode(StatusCode code);

    /** Sets the status details sent with the code. */
    void setDetails(String details);

    /**
     * The code set with {@link #setCode}, if any; once the call has ended with another status (abort, a failed
     * future, cancellation, deadline), that status.
     */
    Optional<StatusCode> code();

    /** The details set with {@link #setDetails}, if any; once the call has ended with a status, its details. */
    Optional<String> details();

    /**
     * Ends the RPC with this status (aio {@code abort}); returns a failed future for the handler to return.
     *
     * @throws IllegalArgumentException if {@code code} is {@link StatusCode#OK}
     */
    <T> Future<T> abort(StatusCode code, String details);

    /**
     * {@link #abort(StatusCode, String)} with trailing metadata, which replaces any set with
     * {@link #setTrailingMetadata}; empty metadata keeps what was set (grpc.aio's rule).
     */
    <T> Future<T> abort(StatusCode code, String details, Metadata trailingMetadata);

    /** The peer's address: {@code ipv4:1.2.3.4:5678}, {@code ipv6:[::1]:5678} or {@code unix:/path}. */
    String peer();

    /**
     * The peer's authentication properties (aio {@code auth_context()}), with grpc's property names, in grpc's order.
     * Every connection has {@code transport_security_type} ({@code insecure} or {@code ssl}) and
     * {@code security_level} ({@code TSI_SECURITY_NONE} or {@code TSI_PRIVACY_AND_INTEGRITY}); TLS adds
     * {@code ssl_session_reused} ({@code true}/{@code false}), and when the client presented a certificate
     * {@code x509_subject} (RFC 2253), {@code x509_common_name}, {@code x509_pem_cert},
     * {@code x509_subject_alternative_name} (DNS, URI, e-mail and IP names, in certificate order), {@code peer_dns},
     * {@code peer_uri}, {@code peer_email}, {@code peer_ip}, {@code x509_pem_cert_chain} and, for a single SPIFFE URI,
     * {@code peer_spiffe_id}. Values are UTF-8 bytes. The map is immutable.
     */
    Map<String, List<byte[]>> authContext();

    /**
     * The values of the {@link #peerIdentityKey() identity property} (aio {@code peer_identities()}): the client
     * certificate's subject alternative names, or its common name when it has none; empty when the peer is not
     * authenticated.
     */
    List<byte[]> peerIdentities();

    /**
     * The {@link #authContext()} property that identifies the peer (aio {@code peer_identity_key()}):
     * {@code x509_subject_alternative_name} or {@code x509_common_name}; empty when the peer is not authenticated.
     */
    Optional<String> peerIdentityKey();

    /**
     * The value a {@link ServerInterceptor} added for this call under {@code key} ({@link HandlerCallDetails#withValue}),
     * if any.
     */
    <T> Optional<T> get(ContextKey<T> key);

    /**
     * The next request message for a client-streaming handler that reads in pull style; {@code Optional.empty()} at
     * the end of the request stream. Mixing with the handler's {@code ReadStream} throws {@link IllegalStateException}.
     */
    Future<Optional<Req>> read();

    /**
     * Sends one response message (streaming responses). Completes when accepted under flow control. Once the RPC has
     * ended the write fails, as grpc.aio's does: with {@link RpcException} {@code CANCELLED} if the call was cancelled
     * (by the client, its deadline, a server stop or {@link #cancel()}), and with {@link IllegalStateException} if its
     * status was already sent ({@link #abort}, or the handler's result); so a loop that awaits each write ends with its
     * call.
     *
     * @throws IllegalStateException for a unary-response method
     */
    Future<Void> write(Resp message);

    /**
     * A {@link WriteStream} view of {@link #write}, for {@code pipeTo}. Its {@code end()} sends nothing (the status,
     * from the handler's result, ends the responses): it succeeds while the call is live and fails as {@link #write}
     * does once the call has ended.
     */
    WriteStream<Resp> responses();

    /**
     * Compresses responses with this algorithm if the client accepts it (aio {@code set_compression}), overriding the
     * server's default. Only before the response headers are sent (first message, {@link #sendInitialMetadata}); later
     * calls are ignored.
     */
    void setCompression(Compression compression);

    /** Sends the next response message uncompressed (aio {@code disable_next_message_compression}). */
    void disableNextMessageCompression();

    /**
     * The compression the client declared for its request messages in {@code grpc-encoding}, or
     * {@link Compression#NO_COMPRESSION} when it declared none. Beyond grpc.aio; for servers that must tell whether a
     * request came compressed (the gRPC interop cases {@code client_compressed_*}). It describes the stream, not each
     * message: under a declared encoding a client may still send single messages uncompressed.
     */
    @Experimental
    Compression requestCompression();

    /**
     * Runs {@code callback} when the RPC ends, however it ends (at once, asynchronously, if it already has). On the
     * server, callbacks run on the call's event loop, in registration order, whatever thread registered them; an
     * exception thrown by one is logged and does not affect the others or the RPC.
     */
    @Override
    void addDoneCallback(Handler<Void> callback);
}
