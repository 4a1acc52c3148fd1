package io.rpcvertx.impl.transport;

/**
 * Where a server transport hands its new streams: the call layer (admission and dispatch) implements it. A transport
 * calls it once per accepted stream, on the stream's context, after its own checks (HTTP/2: version, content-type,
 * method, a server still accepting) passed.
 */
@FunctionalInterface
public interface ServerStreamHandler {

    /**
     * A new stream: the handler sets its listener in this turn, or ends it at once with a status. In both cases it
     * calls {@link ServerStream#callTerminated()} once the call is over.
     */
    void streamCreated(ServerStream stream);
}
