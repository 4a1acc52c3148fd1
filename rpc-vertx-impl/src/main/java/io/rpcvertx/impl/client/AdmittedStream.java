package io.rpcvertx.impl.client;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.MessageDeframer;
import io.rpcvertx.impl.codec.MetadataCodec;
import io.rpcvertx.impl.codec.ResponseRules;
import io.rpcvertx.impl.codec.WireException;
import io.rpcvertx.impl.transport.AbstractClientStream;
import io.rpcvertx.impl.transport.ClientConnection;
import io.rpcvertx.impl.transport.RequestHead;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import org.jspecify.annotations.Nullable;

/**
 * What every HTTP/2 client stream of a channel shares, whichever HTTP/2 implementation carries it:
 *
 * <ul>
 *   <li>its place in the channel's admission (it waits in the channel's queue until a connection has a free stream
 *       slot, holds that slot until it ends, and sits in the channel's intrusive list of live streams meanwhile);
 *   <li>the response rules both read the same way: the response head ({@link #responseHead}), its messages
 *       ({@link #deframe}) and its end ({@link #endResponse}).
 * </ul>
 *
 * The state machine is {@link AbstractClientStream}'s. Subclasses do only the wire work: they put the stream on the
 * wire from {@link #open}, and take it off it (reset it, drop what never left, give the slot back, now or once the
 * HTTP/2 stream is gone) in {@link #onClose}. Owner context (the channel's event loop) only.
 */
public abstract class AdmittedStream extends AbstractClientStream {
    /** The details of a stream a GOAWAY says the server never processed (the call may replay it). */
    protected static final String REFUSED_BY_GOAWAY =
            "Connection closed: stream refused by GOAWAY (not processed by the server)";

    final ChannelImpl channel;
    final boolean transparentRetry;

    // this stream's place in its channel's intrusive list of live streams: touched only by the channel
    @Nullable
    AdmittedStream livePrev;

    @Nullable
    AdmittedStream liveNext;

    boolean live;

    private ChannelImpl.@Nullable Conn conn;

    /** The response's message reader, from its head on. */
    private @Nullable MessageDeframer deframer;

    protected AdmittedStream(ChannelImpl channel, RequestHead head, boolean transparentRetry) {
        super(head);
        this.channel = channel;
        this.transparentRetry = transparentRetry;
    }

    @Override
    protected final void admit() {
        if (transparentRetry) {
            channel.transport.requeue(this);
        } else {
            channel.transport.admit(this);
        }
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
        opening();
        open(c.link);
    }

    /**
     * Puts the stream on {@code connection}, where the channel gave it a slot; reports {@link #opened()} (after
     * {@link #expiredBeforeOpen()}) or a terminal event.
     */
    protected abstract void open(ClientConnection connection);

    // ---------------------------------------------------------------- the response (gRPC over HTTP/2, Responses)

    /**
     * The response head, with HTTP status {@code status}: checked, its metadata to the listener (unless it is a
     * trailers-only response), and a reader made for its messages.
     *
     * @return whether the stream is still open: false if the head was malformed (the stream failed) or the listener
     *     ended the call on hearing it
     */
    protected final boolean responseHead(int status, MultiMap headers) {
        try {
            ResponseRules.checkHead(status, headers);
            if (!ResponseRules.isTrailersOnly(headers)) {
                listener().onHeaders(MetadataCodec.fromResponseHeaders(headers));
                if (isClosed()) {
                    return false;
                }
            }
            deframer = new MessageDeframer(head.maxReceiveBytes(), ResponseRules.encoding(headers));
            return true;
        } catch (WireException e) {
            failMalformed(e.code(), e.getMessage());
            return false;
        }
    }

    /** Whether the response head was read (DATA may come). */
    protected final boolean hasResponseHead() {
        return deframer != null;
    }

    /**
     * The messages of one DATA frame to the listener ({@link #onMessage}), after the response head.
     *
     * @return false if the frame was malformed (the stream failed)
     */
    protected final boolean deframe(Buffer data) {
        MessageDeframer d = deframer;
        assert d != null;
        try {
            d.update(data, this);
            return true;
        } catch (WireException e) {
            failMalformed(e.code(), e.getMessage());
            return false;
        }
    }

    /**
     * The response ended with {@code trailers}, each message before them delivered: the status they carry ends the
     * stream, or INTERNAL if the last message was cut off.
     *
     * @param resetCode the reset for a request that has not ended yet (its END_STREAM never left), or {@link
     *     #NO_RESET}
     */
    protected final void endResponse(MultiMap trailers, long resetCode) {
        MessageDeframer d = deframer;
        if (d != null && d.hasPartialMessage()) {
            closeWithTrailers(resetCode, StatusCode.INTERNAL, ResponseRules.END_MID_FRAME, Metadata.EMPTY);
            return;
        }
        readPushback(trailers);
        ResponseRules.Outcome outcome = ResponseRules.outcome(trailers);
        closeWithTrailers(resetCode, outcome.code(), outcome.details(), outcome.trailers());
    }

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
