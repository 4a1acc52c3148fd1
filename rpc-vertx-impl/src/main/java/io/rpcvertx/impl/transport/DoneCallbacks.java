package io.rpcvertx.impl.transport;

import io.vertx.core.Handler;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The done callbacks of one call. Registered and fired on the call's owner context; each callback runs on the context
 * that registered it, in registration order; an exception is logged and does not stop the others.
 */
public final class DoneCallbacks {
    private static final Logger log = LoggerFactory.getLogger(DoneCallbacks.class);

    /** Created by the first registration: most calls have none. */
    private @Nullable List<Registration> registrations;

    private boolean fired;

    private record Registration(ContextInternal context, Handler<Void> callback) {}

    /** Adds a callback; if the call is already done, schedules it at once. Owner context only. */
    public void add(ContextInternal context, Handler<Void> callback) {
        if (fired) {
            context.runOnContext(v -> run(callback));
        } else {
            List<Registration> all = registrations;
            if (all == null) {
                all = new ArrayList<>(2);
                registrations = all;
            }
            all.add(new Registration(context, callback));
        }
    }

    /** Runs every callback once. Owner context only. */
    public void fire() {
        if (fired) {
            return;
        }
        fired = true;
        List<Registration> all = registrations;
        registrations = null;
        if (all == null) {
            return;
        }
        for (Registration r : all) {
            // emit: inline when on the registrar's loop, with the registrar's context current
            r.context.emit(r.callback, DoneCallbacks::run);
        }
    }

    private static void run(Handler<Void> callback) {
        try {
            callback.handle(null);
        } catch (RuntimeException e) {
            log.error("done callback failed", e);
        }
    }
}
