package io.rpcvertx.impl.netty;

import io.netty.channel.ChannelHandlerContext;

/**
 * Flush batching for one HTTP/2 connection (the biggest single factor measured, notes/netty-transport.md): writes
 * made while the connection reads are flushed once at the end of the read batch ({@code channelReadComplete}), and
 * writes made outside a read once at the end of the event-loop task that made them, never once per message. Before
 * each flush the owner writes what it buffered ({@link Owner#writeBuffered}): consecutive messages of a stream leave
 * as one DATA frame. Used on the channel's event loop only.
 */
public final class NettyFlusher implements Runnable {

    /** The connection whose writes are batched. */
    public interface Owner {
        /** Writes what was buffered since the last flush (e.g. each stream's messages as one DATA frame). */
        void writeBuffered();

        /** Flushes the channel through the HTTP/2 handler (its flow controller writes pending DATA first). */
        void flushNow();
    }

    private final ChannelHandlerContext ctx;
    private final Owner owner;
    private boolean reading;
    private boolean scheduled;

    public NettyFlusher(ChannelHandlerContext ctx, Owner owner) {
        this.ctx = ctx;
        this.owner = owner;
    }

    /** A read batch starts: writes wait for {@link #readComplete()}. */
    public void readStarted() {
        reading = true;
    }

    /** The read batch ended: buffered writes go out; the caller's handler flushes right after. */
    public void readComplete() {
        reading = false;
        owner.writeBuffered();
    }

    /** Something was written or buffered: it leaves at the end of the read batch, or of this event-loop task. */
    public void request() {
        if (reading || scheduled) {
            return;
        }
        scheduled = true;
        ctx.executor().execute(this);
    }

    /** Whether the connection is inside a read batch (its flush comes with {@code channelReadComplete}). */
    public boolean isReading() {
        return reading;
    }

    @Override
    public void run() {
        scheduled = false;
        owner.writeBuffered();
        owner.flushNow();
    }
}
