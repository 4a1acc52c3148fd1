package io.rpcvertx.impl.client;

import io.rpcvertx.ChannelConnectivity;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code pick_first}: tries the addresses in order, one at a time, and sends every call over the first connection that
 * works. When the tried address fails the next one is tried at once; when all failed (the channel is then
 * TRANSIENT_FAILURE) the first is tried again after its backoff. When the selected connection goes away the channel is
 * IDLE and the next call starts over at the first address.
 */
final class PickFirstBalancer implements LoadBalancer {
    private final ChannelImpl channel;
    private List<Subchannel> subchannels = List.of();
    /** The subchannel being tried, or the selected one. */
    private int index;
    /** The READY subchannel all calls go to; non-null only while it is READY. */
    private @Nullable Subchannel selected;

    PickFirstBalancer(ChannelImpl channel) {
        this.channel = channel;
    }

    @Override
    public void update(List<SocketAddress> addresses) {
        Map<SocketAddress, Subchannel> old = new HashMap<>();
        for (Subchannel s : subchannels) {
            old.put(s.address, s);
        }
        List<Subchannel> next = new ArrayList<>(addresses.size());
        for (SocketAddress a : addresses) {
            Subchannel kept = old.remove(a);
            next.add(kept != null ? kept : new Subchannel(channel, a));
        }
        for (Subchannel gone : old.values()) {
            gone.shutdown();
        }
        subchannels = next;
        Subchannel s = selected;
        if (s != null && next.contains(s)) {
            index = next.indexOf(s);
        } else {
            selected = null;
            index = 0;
        }
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
        if (selected == null && index < subchannels.size()) {
            subchannels.get(index).requestConnection();
        }
    }

    @Override
    public ChannelImpl.@Nullable Conn pick() {
        Subchannel s = selected;
        if (s == null) {
            return null;
        }
        ChannelImpl.Conn c = s.conn();
        return c != null && c.hasSlot() ? c : null;
    }

    @Override
    public void onSubchannelState(Subchannel subchannel, ChannelConnectivity previous) {
        int at = subchannels.indexOf(subchannel);
        if (at < 0) {
            return;
        }
        switch (subchannel.state()) {
            case READY:
                if (selected == null) {
                    select(at);
                }
                break;
            case IDLE:
                if (subchannel == selected) {
                    // the connection went away: start over at the first address when someone needs it
                    selected = null;
                    index = 0;
                    if (channel.hasQueuedCalls()) {
                        requestConnection();
                    }
                } else if (selected == null && at == index) {
                    requestConnection(); // its backoff is over: the next attempt of this pass
                }
                break;
            case TRANSIENT_FAILURE:
                if (selected == null && at == index) {
                    // the next address now; after the last one, the first again once its backoff is over
                    index = at + 1 < subchannels.size() ? at + 1 : 0;
                    requestConnection();
                }
                break;
            default:
                break;
        }
    }

    /** Keeps the one at {@code at}; the others restart from scratch (no backoff) if this connection is lost. */
    private void select(int at) {
        Subchannel chosen = subchannels.get(at);
        List<Subchannel> next = new ArrayList<>(subchannels.size());
        for (Subchannel s : subchannels) {
            if (s == chosen) {
                next.add(s);
            } else {
                s.shutdown();
                next.add(new Subchannel(channel, s.address));
            }
        }
        subchannels = next;
        selected = chosen;
        index = at;
    }

    @Override
    public ChannelConnectivity state() {
        return selected != null ? ChannelConnectivity.READY : LoadBalancer.aggregate(subchannels);
    }

    @Override
    public void shutdown() {
        for (Subchannel s : subchannels) {
            s.shutdown();
        }
        subchannels = List.of();
        selected = null;
        index = 0;
    }
}
