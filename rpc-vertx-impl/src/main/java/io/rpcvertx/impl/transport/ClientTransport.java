package io.rpcvertx.impl.transport;

/**
 * Creates client streams: what a channel offers its calls. The stream it returns does nothing until
 * {@link ClientStream#start}; then it reports {@link ClientStreamListener#onOpen()} when the transport admitted it (Vert.x HTTP/2: when a connection with a free
 * stream slot took it; in-process: at once), or its terminal event if it never will be. Called on the owner context of
 * the calls it serves, which is where every event of the stream runs.
 */
public interface ClientTransport {
    /** A new stream for one call attempt, in admission order behind the streams already waiting. */
    ClientStream newStream(RequestHead head);

    /**
     * A stream that replays one the peer refused (gRPC transparent retry): admitted ahead of new streams, as it has
     * already waited its turn once.
     */
    default ClientStream newRetryStream(RequestHead head) {
        return newStream(head);
    }
}
