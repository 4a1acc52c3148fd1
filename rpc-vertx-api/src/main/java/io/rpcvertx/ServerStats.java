package io.rpcvertx;

import java.util.List;
import java.util.Objects;

/**
 * A server's statistics (grpc channelz's server data, as Java values): its calls and its listen sockets. A snapshot,
 * from {@link Server#stats()}.
 *
 * @param calls the calls the server received, whatever their transport (HTTP/2, in-process, event bus), refused ones
 *     included (an unsupported encoding, {@code maximumConcurrentRpcs} reached: they failed); a call succeeded when
 *     its status was {@link StatusCode#OK}
 * @param listenSockets the addresses of the HTTP/2 ports, in the order they were added ({@code 127.0.0.1:50051},
 *     {@code [::1]:50051}, {@code unix:/path}), with the port a {@code :0} address was given
 */
@Experimental
public record ServerStats(CallCounts calls, List<String> listenSockets) {
    public ServerStats {
        Objects.requireNonNull(calls, "calls");
        listenSockets = List.copyOf(listenSockets);
    }
}
