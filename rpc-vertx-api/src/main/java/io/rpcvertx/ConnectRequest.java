package io.rpcvertx;

/**
 * Whether {@link Channel#getState(ConnectRequest)} may start a connection (grpc.aio's {@code try_to_connect}
 * keyword, as an enum instead of a positional boolean).
 */
public enum ConnectRequest {
    /** Only report the state. */
    NONE,
    /** Report the state and, if the channel is {@link ChannelConnectivity#IDLE}, start connecting. */
    TRY_TO_CONNECT
}
