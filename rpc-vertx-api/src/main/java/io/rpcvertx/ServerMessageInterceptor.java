package io.rpcvertx;

import io.vertx.core.Future;
import java.util.Optional;

/**
 * A {@link ServerInterceptor} that also sees each request and response message of the calls it intercepts, and may
 * act on them asynchronously (validation, auditing). Beyond grpc.aio and grpc-java, which only offer synchronous
 * message hooks or none.
 *
 * <p>Registered like any interceptor with {@link ServerOptions#withInterceptors}; the default
 * {@link #interceptService} attaches this interceptor to every handler the continuation finds. Override it to attach
 * only to some calls, or to attach a per-call instance (with its own state) through
 * {@link RpcMethodHandler#withMessageInterceptor}.
 *
 * <p>Order: a request message goes through the outermost interceptor first, then inward, then to the handler; a
 * response message goes through the innermost first, then outward, then to the client.
 *
 * <p>Backpressure: a message is passed on only when its hook's future has succeeded, and the next message is not
 * offered to the hook before that. While a request hook is pending, no more request data is read from the HTTP/2
 * stream, so the client is held back by flow control; a handler that pauses its request stream holds the client back
 * exactly as without hooks. While a response hook is pending, the handler's {@code write} future is not completed and
 * {@link ServicerContext#responses()} reports {@code writeQueueFull()}, so {@code pipeTo} waits for the hook.
 *
 * <p>Failure: a hook's future failed with an {@link RpcException} ends the call with that status; any other failure
 * (or a thrown exception) ends it with {@link StatusCode#UNKNOWN} and is logged. The message is then dropped.
 *
 * <p>Threading: hooks run on the call's event loop (also for blocking handlers) and must not block; their futures may
 * complete on any thread.
 *
 * <pre>{@code
 * ServerMessageInterceptor audit = new ServerMessageInterceptor() {
 *     public Future<Void> onRequest(ServicerContext<?, ?> call, Object request) {
 *         return auditLog.append(call.method(), request); // the next message waits for this
 *     }
 * };
 * }</pre>
 */
@Experimental
public interface ServerMessageInterceptor extends ServerInterceptor {
    /**
     * Sees one request message before the handler gets it. The default passes it on at once.
     *
     * @return succeeds to pass the message on; fails to end the call
     */
    default Future<Void> onRequest(ServicerContext<?, ?> call, Object request) {
        return Future.succeededFuture();
    }

    /**
     * Sees one response message before it is sent. The default passes it on at once.
     *
     * @return succeeds to send the message; fails to end the call
     */
    default Future<Void> onResponse(ServicerContext<?, ?> call, Object response) {
        return Future.succeededFuture();
    }

    /** Attaches this interceptor to the handler the continuation finds. */
    @Override
    default Future<Optional<RpcMethodHandler<?, ?>>> interceptService(
            Continuation continuation, HandlerCallDetails details) {
        return continuation.apply(details).map(found -> found.map(handler -> handler.withMessageInterceptor(this)));
    }
}
