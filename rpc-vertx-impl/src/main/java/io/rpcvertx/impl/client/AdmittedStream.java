package io.rpcvertx.impl.client;

import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.transport.ClientConnection;
import io.rpcvertx.impl.transport.ClientStream;
import io.rpcvertx.impl.transport.ClientStreamListener;
import io.rpcvertx.impl.transport.RequestHead;
import io.vertx.core.internal.ContextInternal;
import org.jspecify.annotations.Nullable;

/**
 * What every HTTP/2 client stream of a channel shares, whichever HTTP/2 implementation carries it: its place in the
 * channel's admission (it waits in the channel's queue until a connection has a free stream slot, holds that slot until
 * it ends, and sits in the channel's intrusive list of live streams meanwhile). Subclasses put it on the wire from
 * {@link #open}. Owner context (the channel's event loop) only.
 */
public abstract class AdmittedStream implements ClientStream {
    final ChannelImpl channel;
    /** The request head of this attempt. */
    protected final RequestHead head;

    final boolean transparentRetry;
    private @Nullable ClientStreamListener listener;

    // this stream's place in its channel's intrusive list of live streams: touched only by the channel
    @Nullable
    AdmittedStream livePrev;

    @Nullable
    AdmittedStream liveNext;

    boolean live;

    private ChannelImpl.@Nullable Conn conn;

    protected AdmittedStream(ChannelImpl channel, RequestHead head, boolean transparentRetry) {
        this.channel = channel;
        this.head = head;
        this.transparentRetry = transparentRetry;
    }

    @Override
    public final void start(ClientStreamListener l) {
        this.listener = l;
        if (transparentRetry) {
            channel.transport.requeue(this);
        } else {
            channel.transport.admit(this);
        }
    }

    /** The listener given to {@link #start}. */
    protected final ClientStreamListener listener() {
        ClientStreamListener l = listener;
        assert l != null;
        return l;
    }

    /** The channel's owner context, where every method and event of this stream runs. */
    protected final ContextInternal owner() {
        return channel.owner;
    }

    /** The {@code :authority} of the channel's requests. */
    protected final String authority() {
        return channel.authority;
    }

    /** The {@code user-agent} of the channel's requests. */
    protected final String userAgent() {
        return channel.userAgent;
    }

    /** Whether the channel's connections run TLS. */
    protected final boolean isTls() {
        return channel.security.isTls();
    }

    /** The channel gave this stream a slot on {@code c}. */
    final void startOn(ChannelImpl.Conn c) {
        this.conn = c;
        open(c.link);
    }

    /** Puts the stream on {@code connection}, where the channel gave it a slot; reports onOpen or a terminal event. */
    protected abstract void open(ClientConnection connection);

    /**
     * The channel ends this stream (closed, no connection, queue full, keepalive failure): it reports {@code code}.
     *
     * @param reset whether an HTTP/2 stream already opened is reset with CANCEL
     */
    protected abstract void fail(StatusCode code, String details, boolean reset);

    ChannelImpl.@Nullable Conn conn() {
        return conn;
    }

    /** The connection this stream holds a slot on, now released (null if none). */
    ChannelImpl.@Nullable Conn takeConn() {
        ChannelImpl.Conn c = conn;
        conn = null;
        return c;
    }

    /**
     * The stream ended: its slot (or its place in the queue) goes back to the channel. Call once, when it closes.
     *
     * @param endReceived whether the peer ended it (END_STREAM received), for the subchannel's stream counts
     */
    protected final void released(boolean endReceived) {
        channel.transport.onStreamClosed(this, endReceived);
    }

    /** The last-stream-id of the first GOAWAY on this stream's connection, -1 if none came (or no connection). */
    protected final int goAwayLastStreamId() {
        ChannelImpl.Conn c = conn;
        return c == null ? -1 : c.goAwayLastStreamId;
    }

    /** A frame of this stream arrived: the peer is alive (keepalive). */
    protected final void onFrameReceived() {
        ChannelImpl.Conn c = conn;
        if (c != null && c.keepalive != null) {
            c.keepalive.onDataReceived();
        }
    }
}
