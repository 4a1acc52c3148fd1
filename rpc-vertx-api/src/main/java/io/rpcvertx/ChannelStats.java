package io.rpcvertx;

import java.util.List;
import java.util.Objects;

/**
 * A channel's statistics (grpc channelz's channel data, as Java values): its target and state, its calls, and its
 * subchannels. A snapshot, from {@link Channel#stats()}.
 *
 * <pre>{@code
 * ChannelStats stats = channel.stats().await();
 * log.info("{}: {} started, {} failed", stats.target(), stats.calls().started(), stats.calls().failed());
 * }</pre>
 *
 * @param target the target the channel was created for
 * @param state the channel's connectivity state
 * @param calls the calls made on the channel, whatever their transport; a call counts once, with all its retry or
 *     hedging attempts, and ends with the status the application saw
 * @param subchannels the HTTP/2 channel's current subchannels, in the order the name resolver gave their addresses; empty for the in-process and
 *     event-bus channels, which have no connections
 */
@Experimental
public record ChannelStats(
        String target, ChannelConnectivity state, CallCounts calls, List<SubchannelStats> subchannels) {
    public ChannelStats {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(calls, "calls");
        subchannels = List.copyOf(subchannels);
    }
}
