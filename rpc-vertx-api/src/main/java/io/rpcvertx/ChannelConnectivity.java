package io.rpcvertx;

/**
 * The connectivity states of a {@link Channel} (grpc.aio {@code grpc.ChannelConnectivity}).
 *
 * <pre>
 * IDLE --first RPC / channelReady() / getState(TRY_TO_CONNECT)--&gt; CONNECTING --ok--&gt; READY
 * CONNECTING --every address failed--&gt; TRANSIENT_FAILURE --backoff--&gt; CONNECTING
 * READY --GOAWAY / connection lost (pick_first)--&gt; IDLE
 * any --no calls for ChannelOptions.idleTimeout--&gt; IDLE        any --close()--&gt; SHUTDOWN
 * </pre>
 */
public enum ChannelConnectivity {
    /** No connection and no attempt under way; the next RPC (or a connect request) starts one. */
    IDLE,
    /** Name resolution or a connection attempt is under way; RPCs wait for it. */
    CONNECTING,
    /** Connected; RPCs are sent at once. */
    READY,
    /**
     * Every address failed and the channel waits for its reconnect backoff; RPCs without wait-for-ready fail at once
     * with {@code UNAVAILABLE}, the others wait for READY or their deadline.
     */
    TRANSIENT_FAILURE,
    /** The channel was closed; new RPCs fail with {@code UNAVAILABLE}. This state is final. */
    SHUTDOWN
}
