package io.rpcvertx.examples;

import io.rpcvertx.ChannelOptions;
import io.rpcvertx.RpcException;
import io.rpcvertx.examples.bench.BenchClient;
import io.rpcvertx.examples.bench.BenchClientConfig;
import io.rpcvertx.examples.bench.BenchEchoServerVerticle;
import io.rpcvertx.examples.bench.BenchResult;
import io.rpcvertx.examples.helloworld.GreeterClientVerticle;
import io.rpcvertx.examples.helloworld.GreeterServerVerticle;
import io.rpcvertx.examples.interop.InteropClient;
import io.rpcvertx.examples.interop.InteropServer;
import io.rpcvertx.examples.routeguide.RouteGuideClientVerticle;
import io.rpcvertx.examples.routeguide.RouteGuideServerVerticle;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Runs one example program: {@code demo}, {@code greeter-server}, {@code greeter-client}, {@code route-guide-server},
 * {@code route-guide-client}, {@code bench-echo-server}, {@code bench-client}, {@code interop-server} or
 * {@code interop-client}.
 *
 * <p>Blocking waits happen only here, on the main thread (or the shutdown hook's thread), never on an event loop.
 */
public final class Main {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final Duration DEMO_TIMEOUT = Duration.ofSeconds(20);
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    static final String USAGE = String.join(
            System.lineSeparator(),
            "usage: java -jar rpc-vertx-examples.jar <program> [--flag=value ...]",
            "programs:",
            "  demo                starts a greeter server and client in one process and prints the replies",
            "  greeter-server      [--port=50051] [--host=0.0.0.0] " + Main.SERVER_FLAGS_USAGE + Main.TRANSPORT_USAGE,
            "                      serves helloworld.Greeter until SIGTERM",
            "  greeter-client      [--target=localhost:50051] [--name=world] [client flags]  calls"
                    + " helloworld.Greeter once per method",
            "  route-guide-server  [--port=50052] [--host=0.0.0.0] " + Main.SERVER_FLAGS_USAGE + Main.TRANSPORT_USAGE,
            "                      serves routeguide.RouteGuide until SIGTERM",
            "  route-guide-client  [--target=localhost:50052] [client flags]  calls each routeguide.RouteGuide method"
                    + " and prints the replies",
            "  bench-echo-server   [--port=50200] [--host=127.0.0.1] " + Main.SERVER_FLAGS_USAGE + Main.TRANSPORT_USAGE,
            "                      [--echo=string|bytes] serves bench.Echo (shared/bench) until SIGTERM, copying the",
            "                      message as a String (as the peers do) or as its UTF-8 bytes",
            "  interop-server      [--port=8080] [--use_tls=true] [--tls_cert_file=F --tls_key_file=F] [--host=0.0.0.0]",
            "                      " + Main.SERVER_FLAGS_USAGE + Main.TRANSPORT_USAGE,
            "                      serves grpc.testing.TestService (gRPC interop) until SIGTERM; grpc-java's flags;",
            "                      TLS without cert flags uses grpc-java's test certificate from the classpath",
            "  interop-client      [--server_host=localhost] [--server_port=8080] [--test_case=empty_unary|all|a,b]",
            "                      [--use_tls=false] [--use_test_ca=false] [--ca_file=F] [--server_host_override=H]",
            "                      [--soak_iterations=10] [--soak_max_failures=0] [--soak_num_threads=1]",
            "                      [--soak_per_iteration_max_acceptable_latency_ms=1000] [--soak_overall_timeout_seconds=S]",
            "                      [--soak_min_time_ms_between_rpcs=0] [--soak_request_size=N] [--soak_response_size=N]",
            "                      runs gRPC interop test cases; exit 0 when all pass",
            "  bench-client        " + BenchClientConfig.USAGE + " [--cluster[=127.0.0.1:port]]",
            "                      closed-loop load on bench.Echo; prints one result line (calls/s, latency, errors)",
            "server flags: on SIGTERM in-flight RPCs may finish for --grace seconds (default "
                    + ServerConfig.DEFAULT_GRACE_SECONDS + "), then they are cancelled and the process exits;",
            "  --max-concurrent-rpcs limits RPCs server-wide (RESOURCE_EXHAUSTED beyond), --io-instances sets the",
            "  event loops serving connections (default: all), --eventbus also serves on the event bus (address "
                    + "rpcvertx.grpc),",
            "  --cluster makes Vert.x clustered (Hazelcast on 127.0.0.1; prints the member to join; with a value, joins"
                    + " 127.0.0.1:port),",
            "  --sockjs-bridge-port=N serves the JSON gateway of the program's services over a SockJS event-bus bridge"
                    + " at",
            "  http://host:N/eventbus (closed by default; greeter-server also serves the page /greeter.html calling it),",
            "  --tcp-bridge-port=N over the TCP event-bus bridge; 0 picks a free port (see docs/eventbus-gateway.md)",
            "client flags:",
            "  --target=T          host:port, dns:///host:port, ipv4:a:p[,b:p], ipv6:[addr]:p, unix:path or"
                    + " unix:///abs/path",
            "  --wait-for-ready    calls wait through connection failures (e.g. for a server still starting)",
            "  --timeout=SECONDS   deadline of each call (default 10)",
            "  --lb=POLICY         pick_first (default) or round_robin over the target's addresses",
            "  --http2-transport=T netty (default: Netty's HTTP/2 codec in Vert.x sockets) or vertx (Vert.x's HTTP"
                    + " client); interop-client and bench-client take it too",
            "  --target=eventbus:  (or eventbus:<address>) calls over the event bus; with --cluster=127.0.0.1:port",
            "                      the event bus of the cluster that member belongs to",
            "observability flags of every server program: " + Observability.USAGE,
            "  --metrics-port=N    gRPC metrics (gRFC A66) in Prometheus text format at http://127.0.0.1:N/metrics",
            "  --tracing=MODE      none (default), logging (a log line per span) or otlp (OTEL_EXPORTER_OTLP_ENDPOINT,",
            "                      default http://localhost:4317); see docs/observability.md",
            "  --trace-sampling=R  the fraction of new traces sampled (default 1.0); unsampled ones still propagate");

    /** Flags of every client program, handled by {@link #clientConfig}. */
    static final Set<String> CLIENT_FLAGS =
            Set.of("target", "wait-for-ready", "timeout", "lb", ClientConfig.HTTP2_TRANSPORT_FLAG, ClusterSupport.FLAG);
    /** Flags that may be given without a value, meaning {@code true}. */
    static final Set<String> BOOLEAN_FLAGS =
            Set.of("wait-for-ready", "use_tls", "use_test_ca", "eventbus", ClusterSupport.FLAG);
    /** The flags of every server program (see {@link #serverConfig}). */
    static final Set<String> SERVER_FLAGS = union(
            Set.of(
                    "port",
                    "host",
                    "grace",
                    "max-concurrent-rpcs",
                    "io-instances",
                    "eventbus",
                    ClusterSupport.FLAG,
                    GatewayBridgeServer.SOCKJS_FLAG,
                    GatewayBridgeServer.TCP_FLAG,
                    ServerConfig.HTTP2_TRANSPORT),
            Observability.FLAGS);

    static final String SERVER_FLAGS_USAGE = "[--grace=10] [--max-concurrent-rpcs=N] [--io-instances=N] [--eventbus]"
            + " [--cluster[=127.0.0.1:port]] [--sockjs-bridge-port=N] [--tcp-bridge-port=N]";

    static final String TRANSPORT_USAGE = " [--http2-transport=vertx|netty]";

    /** How long joining a cluster may take. */
    static final Duration CLUSTER_TIMEOUT = Duration.ofSeconds(60);

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the program named by {@code args[0]} and returns the process exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println(USAGE);
            return EXIT_USAGE;
        }
        String program = args[0];
        Map<String, String> flags;
        try {
            flags = switch (program) {
                case "demo" -> flags(args, Set.of());
                case "greeter-server" -> flags(args, SERVER_FLAGS);
                case "greeter-client" -> flags(args, union(CLIENT_FLAGS, Set.of("name")));
                case "bench-echo-server" -> flags(args, union(SERVER_FLAGS, Set.of("echo")));
                case "bench-client" -> flags(args, union(BenchClientConfig.FLAGS, Set.of(ClusterSupport.FLAG)));
                case "route-guide-server" -> flags(args, SERVER_FLAGS);
                case "route-guide-client" -> flags(args, CLIENT_FLAGS);
                case "interop-server" -> flags(args, union(InteropServer.FLAGS, Observability.FLAGS));
                case "interop-client" -> flags(args, InteropClient.FLAGS);
                default -> throw new IllegalArgumentException("unknown program: " + program);
            };
            Observability observability = Observability.fromFlags(flags);
            return switch (program) {
                case "demo" -> demo(out, err);
                case "greeter-server" -> {
                    GreeterServerVerticle server = new GreeterServerVerticle();
                    yield serve(
                            program,
                            observability,
                            new VertxOptions(),
                            server,
                            server::port,
                            server::bridges,
                            serverConfig(flags, GreeterServerVerticle.DEFAULT_HOST, GreeterServerVerticle.DEFAULT_PORT),
                            out,
                            err);
                }
                case "bench-echo-server" -> {
                    BenchEchoServerVerticle server = new BenchEchoServerVerticle();
                    // epoll when available: +12 % on small unary calls (shared/notes/performance.md)
                    yield serve(
                            program,
                            observability,
                            new VertxOptions().setPreferNativeTransport(true),
                            server,
                            server::port,
                            server::bridges,
                            serverConfig(flags, "127.0.0.1", BenchEchoServerVerticle.DEFAULT_PORT)
                                    .put("echoAsBytes", BenchEchoServerVerticle.echoAsBytes(flags.get("echo"))),
                            out,
                            err);
                }
                case "route-guide-server" -> {
                    RouteGuideServerVerticle server = new RouteGuideServerVerticle();
                    yield serve(
                            program,
                            observability,
                            new VertxOptions(),
                            server,
                            server::port,
                            server::bridges,
                            serverConfig(
                                    flags,
                                    RouteGuideServerVerticle.DEFAULT_HOST,
                                    RouteGuideServerVerticle.DEFAULT_PORT),
                            out,
                            err);
                }
                case "interop-server" ->
                    interopServer(InteropServer.Options.fromFlags(flags), bridgeConfig(flags), observability, out, err);
                case "interop-client" ->
                    interopClient(
                            InteropClient.Options.fromFlags(flags),
                            InteropClient.testCases(flags.getOrDefault("test_case", "empty_unary")),
                            out,
                            err);
                case "bench-client" -> {
                    String cluster = flags.remove(ClusterSupport.FLAG);
                    yield benchClient(
                            BenchClientConfig.of(flags),
                            cluster == null ? null : ClusterSupport.members(cluster),
                            out,
                            err);
                }
                case "route-guide-client" ->
                    routeGuideClient(clientConfig(flags, RouteGuideClientVerticle.DEFAULT_TARGET), out, err);
                default ->
                    greeterClient(
                            clientConfig(flags, GreeterClientVerticle.DEFAULT_TARGET)
                                    .put("name", flags.getOrDefault("name", GreeterClientVerticle.DEFAULT_NAME)),
                            out,
                            err);
            };
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return EXIT_USAGE;
        }
    }

    /**
     * Parses {@code --key=value} flags after the program name; only {@code allowed} keys are accepted, and those in
     * {@link #BOOLEAN_FLAGS} may stand alone ({@code --wait-for-ready} is {@code --wait-for-ready=true}).
     */
    static Map<String, String> flags(String[] args, Set<String> allowed) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (arg.startsWith("--")
                    && BOOLEAN_FLAGS.contains(arg.substring(2))
                    && allowed.contains(arg.substring(2))) {
                flags.put(arg.substring(2), "true");
                continue;
            }
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 3) {
                throw new IllegalArgumentException("flag: \"" + arg + "\" (expected: --key=value)");
            }
            String key = arg.substring(2, eq);
            if (!allowed.contains(key)) {
                throw new IllegalArgumentException("flag: --" + key + " (expected one of: " + allowed + ")");
            }
            flags.put(key, arg.substring(eq + 1));
        }
        return flags;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    /**
     * The {@link ClientConfig} of a client program from its flags ({@link #CLIENT_FLAGS}), shared by every client
     * program.
     *
     * @throws IllegalArgumentException for a malformed value, naming the flag
     */
    static JsonObject clientConfig(Map<String, String> flags, String defaultTarget) {
        JsonObject config = new JsonObject().put(ClientConfig.TARGET, flags.getOrDefault("target", defaultTarget));
        String waitForReady = flags.get("wait-for-ready");
        if (waitForReady != null) {
            if (!waitForReady.equals("true") && !waitForReady.equals("false")) {
                throw new IllegalArgumentException(
                        "--wait-for-ready: \"" + waitForReady + "\" (expected: true or false, or no value)");
            }
            config.put(ClientConfig.WAIT_FOR_READY, Boolean.parseBoolean(waitForReady));
        }
        String timeout = flags.get("timeout");
        if (timeout != null) {
            double seconds;
            try {
                seconds = Double.parseDouble(timeout);
            } catch (NumberFormatException e) {
                seconds = -1;
            }
            if (!(seconds > 0) || Double.isInfinite(seconds)) {
                throw new IllegalArgumentException("--timeout: \"" + timeout + "\" (expected: seconds > 0)");
            }
            config.put(ClientConfig.TIMEOUT_SECONDS, seconds);
        }
        String cluster = flags.get(ClusterSupport.FLAG);
        if (cluster != null) {
            ClusterSupport.members(cluster); // checked now: a usage error, not a failed start
            config.put(ClusterSupport.FLAG, cluster);
        }
        String lb = flags.get("lb");
        if (lb != null) {
            if (!lb.equals(ChannelOptions.PICK_FIRST) && !lb.equals(ChannelOptions.ROUND_ROBIN)) {
                throw new IllegalArgumentException("--lb: \"" + lb + "\" (expected: " + ChannelOptions.PICK_FIRST
                        + " or " + ChannelOptions.ROUND_ROBIN + ")");
            }
            config.put(ClientConfig.LB, lb);
        }
        String transport = flags.get(ClientConfig.HTTP2_TRANSPORT_FLAG);
        if (transport != null) {
            ClientConfig.http2Transport(transport); // checked now: a usage error, not a failed start
            config.put(ClientConfig.HTTP2_TRANSPORT, transport);
        }
        return config;
    }

    /**
     * The deployment configuration of a server program (keys of {@link ServerConfig} plus {@code host} and
     * {@code port}) from its flags ({@link ServerConfig#fromFlags}).
     */
    /** The bridge ports of {@code --sockjs-bridge-port} and {@code --tcp-bridge-port} ({@link GatewayBridgeServer}). */
    static JsonObject bridgeConfig(Map<String, String> flags) {
        JsonObject config = new JsonObject();
        GatewayBridgeServer.fromFlags(flags, config);
        return config;
    }

    static JsonObject serverConfig(Map<String, String> flags, String defaultHost, int defaultPort) {
        return ServerConfig.fromFlags(flags, defaultHost, defaultPort);
    }

    private static int demo(PrintStream out, PrintStream err) {
        Vertx vertx = Vertx.vertx();
        try {
            GreeterServerVerticle server = new GreeterServerVerticle();
            GreeterClientVerticle client = new GreeterClientVerticle(out);
            Future<List<String>> done = vertx.deployVerticle(server, config("host", "127.0.0.1", "port", 0))
                    .compose(serverId -> vertx.deployVerticle(
                                    client, config("target", "127.0.0.1:" + server.port(), "name", "world"))
                            .compose(clientId -> client.results().eventually(() -> vertx.undeploy(clientId)))
                            .eventually(() -> vertx.undeploy(serverId)));
            done.await(DEMO_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return EXIT_OK;
        } catch (TimeoutException e) {
            err.println("demo: no result within " + DEMO_TIMEOUT.toSeconds() + " s");
            return EXIT_FAILED;
        } catch (Exception e) {
            err.println("demo failed: " + describe(e));
            return EXIT_FAILED;
        } finally {
            close(vertx, err);
        }
    }

    /**
     * Deploys a server verticle with {@code config} (see {@link #serverConfig}), prints its bound port and its bridges
     * ({@link GatewayBridgeServer#describe()}), and on SIGTERM
     * undeploys it, which stops the server with the configured grace; the process exits once it has stopped.
     */
    private static int serve(
            String program,
            Observability observability,
            VertxOptions vertxOptions,
            Deployable server,
            IntSupplier boundPort,
            Supplier<List<String>> bridges,
            JsonObject config,
            PrintStream out,
            PrintStream err) {
        String host = config.getString("host");
        int graceSeconds = config.getInteger("grace");
        Vertx vertx;
        try {
            String cluster = config.getString(ClusterSupport.FLAG);
            vertx = cluster == null
                    ? observability.newVertx(vertxOptions)
                    : ClusterSupport.vertx(
                                    vertxOptions, observability::newBuilder, ClusterSupport.members(cluster), out)
                            .await(CLUSTER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            err.println(program + " failed to join the cluster: " + describe(e));
            return EXIT_FAILED;
        }
        if (!startMetrics(program, observability, vertx, out, err)) {
            return EXIT_FAILED;
        }
        String deploymentId;
        try {
            deploymentId = vertx.deployVerticle(server, new DeploymentOptions().setConfig(config))
                    .await(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            err.println(program + " failed to start: " + describe(e));
            close(vertx, observability, err);
            return EXIT_FAILED;
        }
        out.println(program + " listening on " + host + ":" + boundPort.getAsInt());
        for (String bridge : bridges.get()) {
            out.println(program + " " + bridge);
        }

        Promise<Void> stopped = Promise.promise();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            out.println(program + " stopping (grace " + graceSeconds + " s)");
                            try {
                                vertx.undeploy(deploymentId)
                                        .await(graceSeconds + CLOSE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                            } catch (Exception e) {
                                err.println(program + ": stop failed: " + describe(e));
                            } finally {
                                close(vertx, observability, err);
                                stopped.complete();
                            }
                        },
                        program + "-shutdown"));
        // Park the main thread; the JVM exits when the shutdown hook has stopped the server.
        stopped.future().await();
        return EXIT_OK;
    }

    /**
     * Serves the interop TestService until SIGTERM, like {@link #serve} (which deploys verticles): on SIGTERM calls in
     * flight may finish for {@code --grace}, then are cancelled.
     */
    private static int interopServer(
            InteropServer.Options options,
            JsonObject bridges,
            Observability observability,
            PrintStream out,
            PrintStream err) {
        Vertx vertx = observability.newVertx(new VertxOptions());
        if (!startMetrics("interop-server", observability, vertx, out, err)) {
            return EXIT_FAILED;
        }
        InteropServer server;
        try {
            server =
                    InteropServer.start(vertx, options, bridges).await(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            err.println("interop-server failed to start: " + describe(e));
            close(vertx, observability, err);
            return EXIT_FAILED;
        }
        out.println("interop-server listening on " + options.host() + ":" + server.port()
                + (options.useTls() ? " (TLS)" : " (plaintext)"));
        for (String bridge : server.bridges()) {
            out.println("interop-server " + bridge);
        }
        Promise<Void> stopped = Promise.promise();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            out.println("interop-server stopping (grace "
                                    + server.grace().toSeconds() + " s)");
                            try {
                                server.close()
                                        .await(
                                                server.grace()
                                                        .plus(CLOSE_TIMEOUT)
                                                        .toMillis(),
                                                TimeUnit.MILLISECONDS);
                            } catch (Exception e) {
                                err.println("interop-server: stop failed: " + describe(e));
                            } finally {
                                close(vertx, observability, err);
                                stopped.complete();
                            }
                        },
                        "interop-server-shutdown"));
        stopped.future().await();
        return EXIT_OK;
    }

    /**
     * Runs the interop cases one after the other, printing grpc-java's "Running test X" / "Test completed." lines
     * (and the soak cases' failed iterations and summary); a failed case is reported on {@code err} and the others
     * still run. Exit code 1 if any failed.
     */
    private static int interopClient(
            InteropClient.Options options, List<String> testCases, PrintStream out, PrintStream err) {
        Vertx vertx = Vertx.vertx();
        List<String> failed = new ArrayList<>();
        try {
            for (String testCase : testCases) {
                out.println("Running test " + testCase);
                Duration bound = InteropClient.caseTimeout(options, testCase);
                try {
                    InteropClient.run(vertx, options, testCase, out::println)
                            .await(bound.toMillis(), TimeUnit.MILLISECONDS);
                    out.println("Test completed.");
                } catch (TimeoutException e) {
                    failed.add(testCase);
                    err.println("Test failed: " + testCase + ": no result within " + bound.toSeconds() + " s");
                } catch (Exception e) {
                    failed.add(testCase);
                    err.println("Test failed: " + testCase + ": " + describe(e));
                }
            }
        } finally {
            close(vertx, err);
        }
        if (!failed.isEmpty()) {
            err.println("interop-client: " + failed.size() + " of " + testCases.size() + " failed: " + failed);
            return EXIT_FAILED;
        }
        return EXIT_OK;
    }

    /** Runs the load, prints its result line; fails if a call failed or none was counted. */
    private static int benchClient(
            BenchClientConfig config, @Nullable List<String> clusterMembers, PrintStream out, PrintStream err) {
        BenchResult result;
        try {
            if (clusterMembers == null) {
                result = BenchClient.run(config);
            } else {
                // --cluster: the load runs on a clustered Vert.x, e.g. against --target=eventbus: on another process
                Vertx vertx = ClusterSupport.vertx(
                                new VertxOptions().setEventLoopPoolSize(config.eventLoops()), clusterMembers, err)
                        .await(CLUSTER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                try {
                    result = BenchClient.run(vertx, config);
                } finally {
                    close(vertx, err);
                }
            }
        } catch (Exception e) {
            err.println("bench-client failed: " + describe(e));
            return EXIT_FAILED;
        }
        out.println(result.line());
        if (result.firstError() != null) {
            err.println("bench-client: first error: " + result.firstError());
        }
        return result.errors() == 0 && result.calls() > 0 ? EXIT_OK : EXIT_FAILED;
    }

    private static int greeterClient(JsonObject config, PrintStream out, PrintStream err) {
        GreeterClientVerticle client = new GreeterClientVerticle(out);
        // two RPCs one after the other, each with its deadline, plus time to connect and close
        Duration limit = ClientConfig.timeout(config, GreeterClientVerticle.CALL_TIMEOUT)
                .multipliedBy(2)
                .plus(CLOSE_TIMEOUT);
        return client("greeter-client", client, client::results, config, limit, err);
    }

    private static int routeGuideClient(JsonObject config, PrintStream out, PrintStream err) {
        RouteGuideClientVerticle client = new RouteGuideClientVerticle(out);
        // four RPCs one after the other, each with its deadline, plus time to connect and close
        Duration limit = ClientConfig.timeout(config, RouteGuideClientVerticle.CALL_TIMEOUT)
                .multipliedBy(4)
                .plus(CLOSE_TIMEOUT);
        return client("route-guide-client", client, client::results, config, limit, err);
    }

    /** Deploys a client verticle and waits for its results: 0 once they arrive, 1 (with the status) if they fail. */
    private static int client(
            String program,
            Deployable client,
            Supplier<Future<?>> results,
            JsonObject config,
            Duration limit,
            PrintStream err) {
        Vertx vertx;
        try {
            vertx = vertx(new VertxOptions(), config, System.out);
        } catch (Exception e) {
            err.println(program + " failed to join the cluster: " + describe(e));
            return EXIT_FAILED;
        }
        try {
            vertx.deployVerticle(client, new DeploymentOptions().setConfig(config))
                    .compose(id -> results.get())
                    .await(limit.toMillis(), TimeUnit.MILLISECONDS);
            return EXIT_OK;
        } catch (TimeoutException e) {
            err.println(program + ": no result within " + limit.toSeconds() + " s");
            return EXIT_FAILED;
        } catch (Exception e) {
            err.println(program + " failed: " + describe(e));
            return EXIT_FAILED;
        } finally {
            close(vertx, err);
        }
    }

    /**
     * The program's Vert.x: clustered when the configuration has {@code cluster} (see {@link ClusterSupport}), then
     * printing the member others join; else a plain one.
     */
    private static Vertx vertx(VertxOptions options, JsonObject config, PrintStream out) throws Exception {
        String cluster = config.getString(ClusterSupport.FLAG);
        if (cluster == null) {
            return Vertx.vertx(options);
        }
        return ClusterSupport.vertx(options, ClusterSupport.members(cluster), out)
                .await(CLUSTER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static DeploymentOptions config(Object... keysAndValues) {
        JsonObject config = new JsonObject();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            config.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return new DeploymentOptions().setConfig(config);
    }

    private static String describe(Throwable failure) {
        if (failure instanceof RpcException) {
            RpcException rpc = (RpcException) failure;
            return "RPC failed with " + rpc.code() + (rpc.details().isEmpty() ? "" : ": " + rpc.details());
        }
        return failure.toString();
    }

    /** Closes {@code vertx}, then flushes and stops its OpenTelemetry SDK (if the flags made one). */
    private static void close(Vertx vertx, Observability observability, PrintStream err) {
        close(vertx, err);
        observability.close();
    }

    /**
     * Starts the metrics endpoint if {@code --metrics-port} asks for it and prints its address; false (the message
     * printed and {@code vertx} closed) if it cannot listen, e.g. the port is taken.
     */
    private static boolean startMetrics(
            String program, Observability observability, Vertx vertx, PrintStream out, PrintStream err) {
        if (observability.metricsPort < 0) {
            return true;
        }
        try {
            int port = observability.startMetricsServer(vertx).await(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            out.println(program + " metrics on http://127.0.0.1:" + port + "/metrics");
            return true;
        } catch (Exception e) {
            err.println(program + " failed to start: --metrics-port=" + observability.metricsPort + ": " + describe(e));
            close(vertx, observability, err);
            return false;
        }
    }

    private static void close(Vertx vertx, PrintStream err) {
        try {
            vertx.close().await(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            err.println("closing Vert.x failed: " + describe(e));
        }
    }
}
