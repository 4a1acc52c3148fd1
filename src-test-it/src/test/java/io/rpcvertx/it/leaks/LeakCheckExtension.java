package io.rpcvertx.it.leaks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran (registered for every class of this module by
 * JUnit's extension auto-detection, see {@code src/test/resources}). Netty finds a leak only when the leaked buffer was
 * garbage-collected and a later allocation looks: after each class this collects garbage and allocates until nothing
 * new turns up. A leak found late (its buffer collected only during a later class) fails that later class; the report
 * carries the leaked buffer's access records, which name the code that leaked it.
 *
 * <p>Every leak fails, Vert.x's own included: the GOAWAY debug-data copy that Vert.x 5.0.10 hands a {@code
 * goAwayHandler} and never releases is released by each handler, the channel's and the tests' own ({@code
 * io.rpcvertx.impl.transport.GoAwayDebugData}).
 */
public final class LeakCheckExtension implements AfterAllCallback {
    private static final int ROUNDS = 3;

    @Override
    public void afterAll(ExtensionContext context) {
        if (!RecordingLeakDetector.isInstalled()) {
            return;
        }
        for (int i = 0; i < ROUNDS; i++) {
            System.gc();
            // Netty polls its reference queue when it tracks a new buffer
            ByteBuf probe = ByteBufAllocator.DEFAULT.directBuffer(1);
            probe.release();
            ByteBuf heap = ByteBufAllocator.DEFAULT.heapBuffer(1);
            heap.release();
        }
        List<String> leaks = RecordingLeakDetector.drain();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty buffer leak(s) reported while " + context.getDisplayName()
                    + " (or an earlier class) ran:\n" + String.join("\n\n", leaks));
        }
    }
}
