package io.rpcvertx.impl.netty;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The calls of one {@link NettyServerConnection}, in two lists linked through the streams themselves (no node per
 * stream): the open streams, whose count the connection policy reads and which a drain deadline cancels; and the
 * streams with response bytes buffered since the last flush, each written out as one DATA frame before the flush.
 * Besides, the streams whose writer waits for a flush to take its buffer ({@link #awaitFlush}). On the connection's
 * event loop only.
 */
final class NettyServerStreams {
    /** Streams with response bytes buffered since the last flush, in the order they buffered. */
    private @Nullable NettyServerStream firstBuffered;

    private @Nullable NettyServerStream lastBuffered;
    /** Open streams, newest first. */
    private @Nullable NettyServerStream firstOpen;

    private int openCount;
    /** Streams that were not ready because of what they buffered, and handed it to Netty for the coming flush. */
    private final ArrayList<NettyServerStream> waitingForFlush = new ArrayList<>();
    /** {@link #waitingForFlush} while {@link #notifyWaiting()} walks it: a writer called back may wait again. */
    private final ArrayList<NettyServerStream> notifying = new ArrayList<>();

    int openCount() {
        return openCount;
    }

    /** {@code stream} buffered response bytes: it is written at the next {@link #writeBuffered()} (once). */
    void buffered(NettyServerStream stream) {
        if (!stream.buffered) {
            stream.buffered = true;
            if (lastBuffered == null) {
                firstBuffered = stream;
            } else {
                lastBuffered.nextBuffered = stream;
            }
            lastBuffered = stream;
        }
    }

    /** Before a flush: each stream's buffered bytes go to Netty as one DATA frame. */
    void writeBuffered() {
        NettyServerStream s = firstBuffered;
        firstBuffered = null;
        lastBuffered = null;
        while (s != null) {
            NettyServerStream next = s.nextBuffered;
            s.nextBuffered = null;
            s.buffered = false;
            s.writeBuffered();
            s = next;
        }
    }

    /** {@code stream}'s writer waits for the coming flush: after it, the stream is asked whether it takes more. */
    void awaitFlush(NettyServerStream stream) {
        waitingForFlush.add(stream);
    }

    /** After a flush: the streams waiting for it deliver their owed onReady if they take more now. */
    void notifyWaiting() {
        if (waitingForFlush.isEmpty()) {
            return;
        }
        ArrayList<NettyServerStream> waiting = notifying;
        waiting.addAll(waitingForFlush);
        waitingForFlush.clear();
        try {
            for (int i = 0; i < waiting.size(); i++) {
                waiting.get(i).notifyIfReady();
            }
        } finally {
            waiting.clear();
        }
    }

    void addOpen(NettyServerStream s) {
        s.nextOpen = firstOpen;
        if (firstOpen != null) {
            firstOpen.prevOpen = s;
        }
        firstOpen = s;
        s.inOpen = true;
        openCount++;
    }

    /** Returns false if {@code s} was not open (it left before). */
    boolean removeOpen(NettyServerStream s) {
        if (!s.inOpen) {
            return false;
        }
        NettyServerStream prev = s.prevOpen;
        NettyServerStream next = s.nextOpen;
        if (prev != null) {
            prev.nextOpen = next;
        } else {
            firstOpen = next;
        }
        if (next != null) {
            next.prevOpen = prev;
        }
        s.prevOpen = null;
        s.nextOpen = null;
        s.inOpen = false;
        openCount--;
        return true;
    }

    /** A drain deadline passed: the calls left are cancelled (each resets its stream and leaves this list). */
    void cancelOpen() {
        List<NettyServerStream> open = new ArrayList<>(openCount);
        for (NettyServerStream s = firstOpen; s != null; s = s.nextOpen) {
            open.add(s);
        }
        for (NettyServerStream s : open) {
            s.cancelForShutdown();
        }
    }
}
