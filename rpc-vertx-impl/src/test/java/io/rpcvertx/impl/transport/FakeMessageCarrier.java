package io.rpcvertx.impl.transport;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.MessageFramer;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A fake carrier for the message-transport core: a server half and a client half whose {@code send*} hops are recorded
 * as text, in order, and, when the two are paired, handed to the other half queued on its context (as the in-process
 * transport hands them over, with no Vert.x event bus and no socket).
 */
public final class FakeMessageCarrier {
    private FakeMessageCarrier() {}

    /** The server half: what it sends is recorded in {@link #sent}, and handed to {@link #client} when paired. */
    static final class Server extends AbstractMessageServerStream {
        final List<String> sent = new CopyOnWriteArrayList<>();
        final AtomicInteger closings = new AtomicInteger();
        final AtomicInteger terminations = new AtomicInteger();
        volatile @Nullable Client client;

        Server(ContextInternal context, Credit credit) {
            super(context, "/test.Service/Method", MultiMap.caseInsensitiveMultiMap(), credit);
        }

        void open() {
            accept();
        }

        void refused() {
            refuse();
        }

        void giveUp() {
            abandon();
        }

        @Override
        public String peer() {
            return "fake";
        }

        private void toClient(java.util.function.Consumer<Client> hop) {
            Client c = client;
            ContextInternal context = c == null ? null : c.context;
            if (c != null && context != null) {
                context.runOnContext(v -> hop.accept(c));
            }
        }

        @Override
        protected void sendHeaders(MultiMap headers) {
            sent.add("headers");
            toClient(c -> c.onHeaders(headers));
        }

        @Override
        protected void sendMessage(Buffer frame) {
            sent.add("message " + frame.length());
            toClient(c -> c.onFrame(frame));
        }

        @Override
        protected void sendStatus(MultiMap trailers, @Nullable Buffer lastFrame) {
            String only = trailers.contains("content-type") ? " trailers-only" : "";
            sent.add("status " + trailers.get("grpc-status") + (lastFrame == null ? "" : " with " + lastFrame.length())
                    + only);
            toClient(c -> c.onTrailers(trailers, lastFrame));
        }

        @Override
        protected void sendReset(long http2ErrorCode) {
            sent.add("reset " + http2ErrorCode);
            toClient(c -> c.onReset(http2ErrorCode));
        }

        @Override
        protected void sendCredit(long units) {
            sent.add("credit " + units);
            toClient(c -> c.onCredit(units));
        }

        @Override
        protected void sendGone(String why) {
            sent.add("gone " + why);
            toClient(c -> c.onConnectionLost(why));
        }

        @Override
        protected void onClosed() {
            closings.incrementAndGet();
        }

        @Override
        protected void onTerminated() {
            terminations.incrementAndGet();
        }
    }

    /** The client half: what it sends is recorded in {@link #sent}, and handed to {@link #server} when paired. */
    static final class Client extends AbstractMessageClientStream {
        final List<String> sent = new CopyOnWriteArrayList<>();
        final AtomicInteger closings = new AtomicInteger();
        final @Nullable ContextInternal context;
        volatile @Nullable Server server;

        /** @param context where the server's hops to this half run; null for a half no server is paired with */
        Client(@Nullable ContextInternal context, RequestHead head, Credit credit) {
            super(head, credit);
            this.context = context;
        }

        /** The fake channel admits at once. */
        @Override
        protected void admit() {
            open(0);
        }

        private void toServer(java.util.function.Consumer<Server> hop) {
            Server s = server;
            if (s != null) {
                s.context().runOnContext(v -> hop.accept(s));
            }
        }

        @Override
        public void sendHeaders() {
            sent.add("headers");
        }

        @Override
        public int writeMessage(Buffer payload, boolean endOfStream) {
            if (!isOpen()) {
                return 0;
            }
            Buffer frame = frame(payload);
            sent.add("message " + frame.length() + (endOfStream ? " end" : ""));
            toServer(s -> s.onClientData(frame));
            if (endOfStream) {
                toServer(Server::onClientHalfClose);
            }
            return frame.length() - MessageFramer.HEADER_LENGTH;
        }

        @Override
        public void halfClose() {
            if (!isOpen()) {
                return;
            }
            sent.add("half-close");
            toServer(Server::onClientHalfClose);
        }

        @Override
        protected void resetPeer() {
            sent.add("reset");
            toServer(Server::onClientReset);
        }

        @Override
        protected void returnCredit() {
            long units = drainCredit();
            sent.add("credit " + units);
            toServer(s -> s.onCredit(units));
        }

        @Override
        protected void onClosed() {
            closings.incrementAndGet();
        }
    }

    /** A request head with {@code deadlineNanos} and no metadata, identity encoding, no receive limit. */
    static RequestHead head(long deadlineNanos) {
        return new RequestHead() {
            @Override
            public String path() {
                return "/test.Service/Method";
            }

            @Override
            public Metadata metadata() {
                return Metadata.EMPTY;
            }

            @Override
            public Metadata credentialsMetadata() {
                return Metadata.EMPTY;
            }

            @Override
            public long deadlineNanos() {
                return deadlineNanos;
            }

            @Override
            public Encoding encoding() {
                return Encoding.IDENTITY;
            }

            @Override
            public int maxReceiveBytes() {
                return -1;
            }

            @Override
            public int previousAttempts() {
                return 0;
            }

            @Override
            public boolean waitForReady() {
                return false;
            }
        };
    }

    /** Records a server listener's events as text (also for the transports' own tests). */
    public static final class ServerEvents implements ServerStreamListener {
        public final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void onData(Buffer data) {
            events.add("data " + data.length());
        }

        @Override
        public void onHalfClose() {
            events.add("half-close");
        }

        @Override
        public void onReady() {
            events.add("ready");
        }

        @Override
        public void onCancel(CancelCause cause) {
            events.add("cancel " + cause);
        }
    }

    /** Records a client listener's events as text. */
    static final class ClientEvents implements ClientStreamListener {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void onOpen() {
            events.add("open");
        }

        @Override
        public void onReady() {
            events.add("ready");
        }

        @Override
        public void onHeaders(Metadata headers) {
            events.add("headers");
        }

        @Override
        public void onMessage(Buffer payload) {
            events.add("message " + payload.toString());
        }

        @Override
        public void onTrailers(StatusCode code, String details, Metadata trailers) {
            events.add("trailers " + code);
        }

        @Override
        public void onReset(long http2ErrorCode) {
            events.add("reset " + http2ErrorCode);
        }

        @Override
        public void onClosed(StatusCode code, String details, boolean refused) {
            events.add("closed " + code + " " + details);
        }
    }
}
