package io.rpcvertx;

/**
 * The connectivity states of a {@link Channel} (grpc.aio {@code grpc.ChannelConnectivity}).
 *
 * <pre>
 * IDLE --first RPC / channelReady()--&gt; CONNECTING --ok--&gt; READY
 * CONNECTING --fail--&gt; TRANSIENT_FAILURE --backoff--&gt; CONNECTING
 * READY --GOAWAY / connection lost--&gt; IDLE        any --close()--&gt; SHUTDOWN
 * </pre>
 */
public enum ChannelConnectivity {
    /** No connection and no attempt under way; the next RPC starts one. */
    IDLE,
    /** A connection attempt is under way. */
    CONNECTING,
    /** Connected; RPCs are sent at once. */
    READY,
    /** The last attempt failed; RPCs without wait-for-ready fail with {@code UNAVAILABLE}. */
    TRANSIENT_FAILURE,
    /** The channel was closed; new RPCs fail with {@code UNAVAILABLE}. This state is final. */
    SHUTDOWN
}
