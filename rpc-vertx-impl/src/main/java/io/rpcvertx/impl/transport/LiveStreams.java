package io.rpcvertx.impl.transport;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The server streams of an acceptor (in-process, event bus) not yet terminated: their call is live, or its handler
 * still runs. A drain waits for these; the acceptor's {@code onIdle} runs each time the last one goes. Used on the
 * acceptor's event loop only.
 *
 * @param <S> the transport's server stream
 */
public final class LiveStreams<S> {
    private final Set<S> live = new LinkedHashSet<>();
    private final Runnable onIdle;

    public LiveStreams(Runnable onIdle) {
        this.onIdle = onIdle;
    }

    public void add(S stream) {
        live.add(stream);
    }

    /** The stream's call is over and its handler terminated (or was given up on). */
    public void terminated(S stream) {
        if (live.remove(stream) && live.isEmpty()) {
            onIdle.run();
        }
    }

    public boolean isEmpty() {
        return live.isEmpty();
    }

    /**
     * A stop gives up on every stream still live (handlers that never completed after their call was cancelled at the
     * grace deadline): each is handed to {@code giveUp} once (which logs it as leaked) and no longer holds the stop.
     */
    public void giveUpOnAll(Consumer<S> giveUp) {
        List<S> leaked = new ArrayList<>(live);
        for (S stream : leaked) {
            giveUp.accept(stream);
            live.remove(stream);
        }
        if (!leaked.isEmpty()) {
            onIdle.run();
        }
    }
}
