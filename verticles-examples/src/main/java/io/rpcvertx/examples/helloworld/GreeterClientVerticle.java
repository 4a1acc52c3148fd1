package io.rpcvertx.examples.helloworld;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.examples.ClientConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Calls {@code helloworld.Greeter} once per method through the generated {@link GreeterStub} and prints the replies.
 *
 * <p>Config: {@code target} (default {@value #DEFAULT_TARGET}), {@code name} (default {@value #DEFAULT_NAME}), and
 * the shared client settings of {@link ClientConfig} (wait-for-ready, timeout, load balancing). Starting
 * the verticle starts the RPCs; {@link #results()} completes with every reply message, the unary one first, or fails
 * with the first {@link io.rpcvertx.RpcException}. Undeploying closes the channel.
 */
public final class GreeterClientVerticle extends VerticleBase {
    public static final String DEFAULT_TARGET = "localhost:50051";
    public static final String DEFAULT_NAME = "world";
    /** Deadline of each RPC unless configured, so an unreachable server ends in an error instead of a hang. */
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    private final PrintStream out;
    private final Promise<List<String>> results = Promise.promise();
    private Channel channel;

    /** A client printing to {@code System.out}. */
    public GreeterClientVerticle() {
        this(System.out);
    }

    /** A client printing to {@code out}. */
    public GreeterClientVerticle(PrintStream out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    /**
     * Every reply message ({@code SayHello}'s, then {@code SayHelloStreamReply}'s), or the failure of the first RPC that
     * failed.
     */
    public Future<List<String>> results() {
        return results.future();
    }

    @Override
    public Future<?> start() {
        String target = config().getString("target", DEFAULT_TARGET);
        HelloRequest request = HelloRequest.newBuilder()
                .setName(config().getString("name", DEFAULT_NAME))
                .build();
        CallOptions options = ClientConfig.callOptions(config(), CALL_TIMEOUT);
        channel = RpcVertx.insecureChannel(vertx, target, ClientConfig.channelOptions(config()));
        GreeterStub greeter = GreeterGrpc.newStub(channel).withCallOptions(options);

        List<String> replies = new ArrayList<>();
        greeter.sayHello(request)
                .response()
                .compose(reply -> {
                    out.println("SayHello -> " + reply.getMessage());
                    replies.add(reply.getMessage());
                    return greeter.sayHelloStreamReply(request)
                            .responses()
                            .collect(Collectors.mapping(HelloReply::getMessage, Collectors.toList()));
                })
                .map(streamed -> {
                    out.println("SayHelloStreamReply -> " + streamed);
                    replies.addAll(streamed);
                    return List.copyOf(replies);
                })
                .onComplete(results);
        return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
        return channel == null ? Future.succeededFuture() : channel.close();
    }
}
