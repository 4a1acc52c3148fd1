package io.rpcvertx.examples;

import io.rpcvertx.ServerOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * The deployment configuration every example server verticle understands, filled by {@link Main} from the
 * {@code --grace}, {@code --max-concurrent-rpcs} and {@code --io-instances} flags.
 *
 * <ul>
 *   <li>{@code grace}: seconds in-flight RPCs may finish when the verticle is undeployed (default
 *       {@value #DEFAULT_GRACE_SECONDS}); then they are cancelled;
 *   <li>{@code maxConcurrentRpcs}: {@link ServerOptions#withMaximumConcurrentRpcs(int)} (default: unlimited);
 *   <li>{@code ioInstances}: {@link ServerOptions#withIoInstances(int)} (default: one per event loop).
 * </ul>
 */
public final class ServerConfig {
    public static final int DEFAULT_GRACE_SECONDS = 10;

    private ServerConfig() {}

    /** {@code base} with the limits the configuration sets. */
    public static ServerOptions options(JsonObject config, ServerOptions base) {
        ServerOptions options = base;
        Integer maxConcurrentRpcs = config.getInteger("maxConcurrentRpcs");
        if (maxConcurrentRpcs != null) {
            options = options.withMaximumConcurrentRpcs(maxConcurrentRpcs);
        }
        Integer ioInstances = config.getInteger("ioInstances");
        if (ioInstances != null) {
            options = options.withIoInstances(ioInstances);
        }
        return options;
    }

    /** The stop grace on undeploy. */
    public static Duration grace(JsonObject config) {
        return Duration.ofSeconds(config.getInteger("grace", DEFAULT_GRACE_SECONDS));
    }
}
