package io.rpcvertx;

/** The four RPC shapes. */
public enum MethodType {
    /** One request, one response. */
    UNARY_UNARY(false, false),
    /** One request, a stream of responses (server streaming). */
    UNARY_STREAM(false, true),
    /** A stream of requests, one response (client streaming). */
    STREAM_UNARY(true, false),
    /** Streams both ways (bidirectional streaming). */
    STREAM_STREAM(true, true);

    private final boolean clientStreaming;
    private final boolean serverStreaming;

    MethodType(boolean clientStreaming, boolean serverStreaming) {
        this.clientStreaming = clientStreaming;
        this.serverStreaming = serverStreaming;
    }

    /** Whether the client sends a stream of requests. */
    public boolean isClientStreaming() {
        return clientStreaming;
    }

    /** Whether the server sends a stream of responses. */
    public boolean isServerStreaming() {
        return serverStreaming;
    }
}
