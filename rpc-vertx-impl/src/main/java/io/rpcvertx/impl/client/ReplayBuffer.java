package io.rpcvertx.impl.client;

import io.rpcvertx.impl.transport.ClientStream;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;

/**
 * The request side of a {@link RetryingStream} kept for replay (gRFC A6 "Client Retries", "Buffered RPCs"): the
 * messages sent so far, their size against the per-RPC buffer limit, and the half-close, written to each attempt from
 * where it stands (its {@link RetryAttempt#written} count). Once the RPC commits, the committed attempt drains it and
 * nothing more is kept. It is the retrying stream's only message store (an array, as the list it replaces). Owner
 * context only.
 */
final class ReplayBuffer {
    private Buffer[] messages = new Buffer[4];
    private int size;
    private long bytes;
    private boolean halfClosed;

    /** Keeps one more request message ({@code end}: the last one); returns the bytes kept since the RPC started. */
    long add(Buffer payload, boolean end) {
        if (size == messages.length) {
            messages = Arrays.copyOf(messages, size * 2);
        }
        messages[size++] = payload;
        bytes += payload.length();
        halfClosed |= end;
        return bytes;
    }

    /** No more request messages; false if that was already so. */
    boolean halfClose() {
        if (halfClosed) {
            return false;
        }
        halfClosed = true;
        return true;
    }

    /**
     * Writes what {@code a} has not written yet (and the half-close); once {@code a} is the committed attempt, the
     * buffer is emptied: nothing more is kept for replay.
     */
    void flush(RetryAttempt a, boolean committed) {
        if (!a.isOpen()) {
            return;
        }
        ClientStream s = a.stream();
        if (a.written < size || halfClosed) {
            a.headersSent = true; // they leave with the first message or the half-close
        }
        while (a.written < size) {
            Buffer payload = messages[a.written++];
            boolean end = halfClosed && a.written == size;
            s.writeMessage(payload, end);
            a.endSent |= end;
        }
        if (halfClosed && !a.endSent) {
            a.endSent = true;
            s.halfClose();
        }
        if (committed) {
            clear();
            a.written = 0;
        }
    }

    boolean isHalfClosed() {
        return halfClosed;
    }

    /** Drops the kept messages (the half-close and the byte count stay as they were). */
    void clear() {
        Arrays.fill(messages, 0, size, null);
        size = 0;
    }
}
