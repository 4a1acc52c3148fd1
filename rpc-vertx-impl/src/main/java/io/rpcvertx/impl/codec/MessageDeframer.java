package io.rpcvertx.impl.codec;

import io.rpcvertx.StatusCode;
import io.vertx.core.buffer.Buffer;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Splits the DATA of one stream into gRPC messages (gRPC over HTTP/2, "Length-Prefixed-Message") and decompresses
 * them.
 *
 * <p>The deframer only borrows each DATA buffer for the duration of {@link #update}: a transport may pass a view of
 * its pooled receive buffer and release it afterwards. A message that lies entirely inside one DATA buffer is
 * delivered as a slice of that buffer, without copying, so a listener must be done with it (or copy it) when {@link
 * Listener#onMessage} returns. A message whose prefix alone straddles buffers is still a slice. Otherwise the
 * straddling bytes are copied into one contiguous buffer that grows with the bytes received: memory follows what the
 * peer actually sent, not the length it declared, and many tiny DATA frames cost no per-frame objects.
 *
 * <p>Not thread-safe: the owner of the stream feeds it. The listener must not call {@link #update} re-entrantly.
 */
public final class MessageDeframer {
    /** Receives each complete message, already decompressed. */
    @FunctionalInterface
    public interface Listener {
        /** One message; {@code payload} may be a view of the DATA buffer, valid only until this returns. */
        void onMessage(Buffer payload);
    }

    private enum State {
        /** Reading the 5-byte prefix; {@code headerFilled} bytes of it were seen in earlier buffers. */
        HEADER,
        /** Collecting the body of a message that started in an earlier buffer. */
        BODY,
        /** A violation was reported; all further input is ignored. */
        FAILED
    }

    private static final int UNLIMITED = -1;
    private static final int FLAG_UNCOMPRESSED = 0;
    private static final int FLAG_COMPRESSED = 1;
    // Bodies up to this size get their whole buffer at once when they straddle; larger ones grow by doubling.
    private static final int MIN_ACCUMULATOR_CAPACITY = 64 * 1024;

    private final int maxMessageLength;
    private final Encoding encoding;

    private State state = State.HEADER;
    private int headerFilled;
    private int flag;
    private long length;
    private int bodyLength;
    private int bodyFilled;
    /**
     * The first piece of a straddling body, a slice in case the rest arrives in the same {@link #update}; copied into
     * {@link #accumulator} before {@code update} returns, since the buffer it views is only borrowed.
     */
    private @Nullable Buffer firstPart;
    /** The body being copied together once it spans more than one piece. */
    private @Nullable Buffer accumulator;

    /**
     * @param maxMessageLength the largest message accepted, before and after decompression, or -1 for unlimited
     * @param encoding the stream's {@code grpc-encoding} ({@link Encoding#IDENTITY} when absent)
     */
    public MessageDeframer(int maxMessageLength, Encoding encoding) {
        if (maxMessageLength < UNLIMITED) {
            throw new IllegalArgumentException(
                    "maxMessageLength: " + maxMessageLength + " (expected: -1 for unlimited, or >= 0)");
        }
        this.maxMessageLength = maxMessageLength;
        this.encoding = Objects.requireNonNull(encoding, "encoding");
    }

    /**
     * Feeds one DATA buffer, calling {@code listener} once per completed message, in order.
     *
     * @throws WireException INTERNAL for a flag other than 0 or 1, for a compressed message on a stream without
     *     {@code grpc-encoding}, and for corrupt compressed data; RESOURCE_EXHAUSTED for a message longer than the
     *     limit, before or after decompression. The deframer is then failed and ignores further input. An exception
     *     thrown by the listener propagates and fails the deframer too, since the rest of the buffer is unread.
     */
    public void update(Buffer data, Listener listener) {
        if (state == State.FAILED) {
            return;
        }
        try {
            read(data, listener);
        } catch (RuntimeException e) {
            setState(State.FAILED);
            firstPart = null;
            accumulator = null;
            throw e;
        }
    }

    /** Whether bytes of an incomplete message are buffered; at the end of the stream that is an INTERNAL error. */
    public boolean hasPartialMessage() {
        return state == State.BODY || (state == State.HEADER && headerFilled > 0);
    }

    private void read(Buffer data, Listener listener) {
        int pos = 0;
        int end = data.length();
        while (pos < end) {
            if (state == State.BODY) {
                int take = Math.min(bodyLength - bodyFilled, end - pos);
                addBodyPart(data.slice(pos, pos + take));
                bodyFilled += take;
                pos += take;
                if (bodyFilled == bodyLength) {
                    Buffer body = accumulator != null ? accumulator : Objects.requireNonNull(firstPart);
                    firstPart = null;
                    accumulator = null;
                    setState(State.HEADER);
                    deliver(body, listener);
                }
                continue;
            }
            if (headerFilled == 0 && end - pos >= MessageFramer.HEADER_LENGTH) {
                flag = data.getUnsignedByte(pos);
                length = data.getUnsignedInt(pos + 1);
                pos += MessageFramer.HEADER_LENGTH;
            } else {
                // The prefix straddles buffers: collect it byte by byte (at most 4 bytes per buffer).
                while (headerFilled < MessageFramer.HEADER_LENGTH && pos < end) {
                    int b = data.getUnsignedByte(pos++);
                    if (headerFilled++ == 0) {
                        flag = b;
                        length = 0;
                    } else {
                        length = length << 8 | b;
                    }
                }
                if (headerFilled < MessageFramer.HEADER_LENGTH) {
                    return;
                }
                headerFilled = 0;
            }
            int messageLength = checkHeader();
            if (end - pos >= messageLength) {
                Buffer body = data.slice(pos, pos + messageLength);
                pos += messageLength;
                deliver(body, listener);
            } else {
                bodyLength = messageLength;
                bodyFilled = 0;
                setState(State.BODY);
            }
        }
        Buffer first = firstPart;
        if (first != null) {
            // the rest comes in a later buffer: keep a copy, not a view of this one (the transport may reuse it)
            int capacity = (int) Math.min(bodyLength, Math.max(MIN_ACCUMULATOR_CAPACITY, 2L * first.length()));
            accumulator = Buffer.buffer(capacity).appendBuffer(first);
            firstPart = null;
        }
    }

    /** Validates the prefix just read and returns the message length. */
    private int checkHeader() {
        if (flag != FLAG_UNCOMPRESSED && flag != FLAG_COMPRESSED) {
            throw new WireException(
                    StatusCode.INTERNAL,
                    "gRPC frame header malformed: reserved bits not zero (flag 0x" + Integer.toHexString(flag) + ")");
        }
        if (flag == FLAG_COMPRESSED && encoding == Encoding.IDENTITY) {
            throw new WireException(
                    StatusCode.INTERNAL, "gRPC message is compressed but was received without grpc-encoding");
        }
        long max = maxMessageLength == UNLIMITED ? Integer.MAX_VALUE : maxMessageLength;
        if (length > max) {
            // grpc-java's wording (MessageDeframer.processHeader), so peers and logs read the same.
            throw new WireException(
                    StatusCode.RESOURCE_EXHAUSTED, "gRPC message exceeds maximum size " + max + ": " + length);
        }
        return (int) length;
    }

    private void addBodyPart(Buffer part) {
        Buffer acc = accumulator;
        if (acc != null) {
            acc.appendBuffer(part);
        } else {
            // one piece per update at most: read() copies it into the accumulator before returning
            assert firstPart == null;
            firstPart = part;
        }
    }

    private void deliver(Buffer body, Listener listener) {
        listener.onMessage(flag == FLAG_COMPRESSED ? encoding.decompress(body, maxMessageLength) : body);
    }

    private void setState(State next) {
        state = next;
    }
}
