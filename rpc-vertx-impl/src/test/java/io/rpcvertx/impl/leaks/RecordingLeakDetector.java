package io.rpcvertx.impl.leaks;

import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;

/**
 * Netty's leak detector that also records every leak it reports (each report is a {@code LEAK:} line in the log), so
 * that {@link LeakCheckExtension} can fail the test class during which it was found. Netty instantiates it for each
 * resource type when the system property {@code io.netty.customResourceLeakDetector} names it (the surefire
 * configuration of this module sets it, with {@code io.netty.leakDetection.level=paranoid}).
 */
public final class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {
    private static final List<String> LEAKS = new ArrayList<>();

    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
    }

    /**
     * The constructor Netty looks for first; without it Netty logs an error before falling back to the other one.
     * {@code maxActive} is ignored, as by Netty's own detector.
     */
    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
        this(resourceType, samplingInterval);
    }

    /** Whether Netty uses this detector in this JVM (the system property is set). */
    static boolean isInstalled() {
        return RecordingLeakDetector.class.getName().equals(System.getProperty("io.netty.customResourceLeakDetector"));
    }

    /** The leaks reported since the last call, and forgets them. */
    static List<String> drain() {
        synchronized (LEAKS) {
            List<String> leaks = new ArrayList<>(LEAKS);
            LEAKS.clear();
            return leaks;
        }
    }

    @Override
    protected boolean needReport() {
        return true; // record even when Netty's logger would not print
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        record("LEAK: " + resourceType + ".release() was not called before it's garbage-collected." + records);
        super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        record("LEAK: " + resourceType + ".release() was not called before it's garbage-collected.");
        super.reportUntracedLeak(resourceType);
    }

    private static void record(String leak) {
        synchronized (LEAKS) {
            LEAKS.add(leak);
        }
    }
}
