package io.rpcvertx.impl.client;

import io.rpcvertx.ChannelConnectivity;
import io.rpcvertx.ChannelOptions;
import io.vertx.core.net.SocketAddress;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A load-balancing policy over the resolved addresses: which subchannels exist and connect, which connection a call
 * goes to, and the channel state their states add up to. Owned by the channel's event loop.
 */
interface LoadBalancer {
    static LoadBalancer of(ChannelImpl channel, String policy) {
        switch (policy) {
            case ChannelOptions.PICK_FIRST:
                return new PickFirstBalancer(channel);
            case ChannelOptions.ROUND_ROBIN:
                return new RoundRobinBalancer(channel);
            default:
                throw new IllegalArgumentException("loadBalancingPolicy: " + policy);
        }
    }

    /**
     * A resolution result: subchannels of addresses still present are kept (with their connection and backoff), the
     * others shut down (their calls drain), new ones are created IDLE.
     */
    void update(List<SocketAddress> addresses);

    /** Whether there are subchannels, i.e. {@link #update} was called since the last {@link #shutdown}. */
    boolean hasAddresses();

    /** Starts the connections this policy wants, if they are IDLE. */
    void requestConnection();

    /**
     * The connection the next call should use, or null if none is READY with a free stream slot (the call waits in the
     * channel's queue). Called for every call: no allocation.
     */
    ChannelImpl.@Nullable Conn pick();

    /** Reacts to a subchannel's state change (reconnect, fail over). */
    void onSubchannelState(Subchannel subchannel, ChannelConnectivity previous);

    /** The current subchannels, in the order of the resolved addresses (for stats; owner). */
    List<Subchannel> subchannels();

    /** The channel state the subchannels add up to; IDLE without subchannels. */
    ChannelConnectivity state();

    /** Shuts every subchannel down (channel idle or closed); {@link #update} starts over. */
    void shutdown();

    /**
     * The usual aggregation (gRPC load-balancing policy guide): READY if any is READY, else CONNECTING if any is, else
     * TRANSIENT_FAILURE if any failed, else IDLE.
     */
    static ChannelConnectivity aggregate(List<Subchannel> subchannels) {
        boolean connecting = false;
        boolean failed = false;
        for (Subchannel s : subchannels) {
            switch (s.state()) {
                case READY:
                    return ChannelConnectivity.READY;
                case CONNECTING:
                    connecting = true;
                    break;
                case TRANSIENT_FAILURE:
                    failed = true;
                    break;
                default:
                    break;
            }
        }
        if (connecting) {
            return ChannelConnectivity.CONNECTING;
        }
        return failed ? ChannelConnectivity.TRANSIENT_FAILURE : ChannelConnectivity.IDLE;
    }
}
