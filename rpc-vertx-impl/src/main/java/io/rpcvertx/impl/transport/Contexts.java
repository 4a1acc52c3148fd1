package io.rpcvertx.impl.transport;

import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;

/** Finding the context a caller's futures must complete on. */
public final class Contexts {
    private Contexts() {}

    /** The caller's context, or the calling thread's sticky event-loop context outside Vert.x. */
    public static ContextInternal caller(VertxInternal vertx) {
        ContextInternal current = ContextInternal.current();
        return current != null ? current : vertx.getOrCreateContext();
    }

    /**
     * The event-loop context an object created now should own: the caller's event loop when called on one (asyncio's
     * rule: an object belongs to the loop that created it), otherwise a fresh event-loop context.
     */
    public static ContextInternal ownerFor(VertxInternal vertx) {
        ContextInternal current = ContextInternal.current();
        if (current != null && current.isEventLoopContext()) {
            return current.unwrap();
        }
        return vertx.createEventLoopContext();
    }

    /**
     * Runs {@code action} on {@code ctx}: inline when already on its event loop (owner state is per loop, not per
     * duplicated context), else queued there. The one way impl code hops to an owner loop.
     */
    public static void run(ContextInternal ctx, Runnable action) {
        if (ctx.inThread()) {
            action.run();
        } else {
            ctx.execute(action);
        }
    }
}
