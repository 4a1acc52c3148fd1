package io.rpcvertx.impl.client;

import io.rpcvertx.ChannelConnectivity;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code round_robin}: a connection to every address, kept up eagerly (an IDLE subchannel reconnects at once, a failed
 * one after its backoff); calls go to the READY connections in turn, skipping those without a free stream slot.
 */
final class RoundRobinBalancer implements LoadBalancer {
    private final ChannelImpl channel;
    private List<Subchannel> subchannels = List.of();
    private int next;

    RoundRobinBalancer(ChannelImpl channel) {
        this.channel = channel;
    }

    @Override
    public void update(List<SocketAddress> addresses) {
        Map<SocketAddress, Subchannel> old = new HashMap<>();
        for (Subchannel s : subchannels) {
            old.put(s.address, s);
        }
        List<Subchannel> updated = new ArrayList<>(addresses.size());
        for (SocketAddress a : addresses) {
            Subchannel kept = old.remove(a);
            updated.add(kept != null ? kept : new Subchannel(channel, a));
        }
        for (Subchannel gone : old.values()) {
            gone.shutdown();
        }
        subchannels = updated;
        next = 0;
    }

    @Override
    public List<Subchannel> subchannels() {
        return subchannels;
    }

    @Override
    public boolean hasAddresses() {
        return !subchannels.isEmpty();
    }

    @Override
    public void requestConnection() {
        for (Subchannel s : subchannels) {
            s.requestConnection();
        }
    }

    @Override
    public ChannelImpl.@Nullable Conn pick() {
        List<Subchannel> list = subchannels;
        int n = list.size();
        for (int i = 0; i < n; i++) {
            int at = next + i < n ? next + i : next + i - n;
            ChannelImpl.Conn c = list.get(at).conn();
            if (c != null && c.hasSlot()) {
                next = at + 1 < n ? at + 1 : 0;
                return c;
            }
        }
        return null;
    }

    @Override
    public void onSubchannelState(Subchannel subchannel, ChannelConnectivity previous) {
        if (subchannel.state() == ChannelConnectivity.IDLE && subchannels.contains(subchannel)) {
            subchannel.requestConnection();
        }
    }

    @Override
    public ChannelConnectivity state() {
        return LoadBalancer.aggregate(subchannels);
    }

    @Override
    public void shutdown() {
        for (Subchannel s : subchannels) {
            s.shutdown();
        }
        subchannels = List.of();
        next = 0;
    }
}
