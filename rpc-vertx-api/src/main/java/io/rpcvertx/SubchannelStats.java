package io.rpcvertx;

import java.util.Objects;

/**
 * One subchannel of an HTTP/2 {@link Channel}: one resolved address, its connectivity state, and the HTTP/2 streams
 * the channel ran on its connections (grpc channelz's subchannel with its socket's stream counters). A snapshot.
 *
 * @param address the address, as {@code host:port}, {@code [v6]:port} or {@code unix:/path}
 * @param state the subchannel's own state (the channel's state adds these up)
 * @param streams the streams (one per call attempt) started on this subchannel's connections since it was created, as
 *     channelz counts them on a socket: a stream succeeded when the server ended it (its trailers arrived, whatever
 *     the status in them), and failed when it ended otherwise (reset, cancelled, deadline, connection lost)
 */
@Experimental
public record SubchannelStats(String address, ChannelConnectivity state, CallCounts streams) {
    public SubchannelStats {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(streams, "streams");
    }
}
