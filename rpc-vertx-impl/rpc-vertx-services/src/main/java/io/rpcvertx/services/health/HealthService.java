package io.rpcvertx.services.health;

import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.rpcvertx.protobuf.ProtoMarshaller;
import io.rpcvertx.services.health.v1.HealthCheckRequest;
import io.rpcvertx.services.health.v1.HealthCheckResponse;
import io.rpcvertx.services.health.v1.HealthCheckResponse.ServingStatus;
import io.rpcvertx.services.health.v1.HealthListRequest;
import io.rpcvertx.services.health.v1.HealthListResponse;
import io.rpcvertx.services.health.v1.HealthProto;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The gRPC health checking service ({@code grpc.health.v1.Health}, see
 * <a href="https://github.com/grpc/grpc/blob/master/doc/health-checking.md">health-checking.md</a>) together with the
 * serving status it reports (grpc-java's {@code HealthStatusManager}, grpcio's {@code health.HealthServicer}).
 *
 * <ul>
 *   <li>{@code Check(service)} answers the service's status, or fails with {@link StatusCode#NOT_FOUND} if none is
 *       set;
 *   <li>{@code Watch(service)} streams the current status (or {@code SERVICE_UNKNOWN}) at once, then every change,
 *       until the client cancels; a slow reader gets only the latest status, never a backlog;
 *   <li>{@code List} answers every status set (at most 100, else {@link StatusCode#RESOURCE_EXHAUSTED}).
 * </ul>
 *
 * <p>The overall server health, service name {@value #SERVER_HEALTH}, starts as {@code SERVING}. Statuses may be
 * changed from any thread at any time, before or after the server starts; every watcher sees each change in order.
 * Watch responses are written on the watching call's event loop.
 *
 * <pre>{@code
 * HealthService health = HealthService.create();
 * server.addGenericRpcHandlers(GreeterGrpc.bindService(new MyGreeter()), health.bindService());
 * health.setStatus(GreeterGrpc.SERVICE_NAME, ServingStatus.SERVING);
 * ...
 * health.enterGracefulShutdown();
 * server.stop(Duration.ofSeconds(5));
 * }</pre>
 */
public final class HealthService {
    /** The full service name, {@code grpc.health.v1.Health}. */
    public static final String SERVICE_NAME = "grpc.health.v1.Health";

    /** The service name that stands for the whole server: the empty string. */
    public static final String SERVER_HEALTH = "";

    /** {@code List} answers at most this many statuses (health.proto). */
    public static final int MAX_LIST_SIZE = 100;

    /** {@code grpc.health.v1.Health/Check}: unary. */
    public static final MethodDescriptor<HealthCheckRequest, HealthCheckResponse> CHECK_METHOD = MethodDescriptor.of(
            MethodType.UNARY_UNARY,
            SERVICE_NAME + "/Check",
            ProtoMarshaller.of(HealthCheckRequest.parser()),
            ProtoMarshaller.of(HealthCheckResponse.parser()));

    /** {@code grpc.health.v1.Health/Watch}: server streaming. */
    public static final MethodDescriptor<HealthCheckRequest, HealthCheckResponse> WATCH_METHOD = MethodDescriptor.of(
            MethodType.UNARY_STREAM,
            SERVICE_NAME + "/Watch",
            ProtoMarshaller.of(HealthCheckRequest.parser()),
            ProtoMarshaller.of(HealthCheckResponse.parser()));

    /** {@code grpc.health.v1.Health/List}: unary. */
    public static final MethodDescriptor<HealthListRequest, HealthListResponse> LIST_METHOD = MethodDescriptor.of(
            MethodType.UNARY_UNARY,
            SERVICE_NAME + "/List",
            ProtoMarshaller.of(HealthListRequest.parser()),
            ProtoMarshaller.of(HealthListResponse.parser()));

    private enum State {
        /** Statuses follow setStatus and clearStatus. */
        ACCEPTING,
        /** After enterGracefulShutdown: everything NOT_SERVING, later updates ignored. */
        SHUT_DOWN
    }

    private final Object lock = new Object();
    // guarded by lock
    private final Map<String, ServingStatus> statuses = new HashMap<>();
    // guarded by lock
    private final Map<String, Set<Watcher>> watchers = new HashMap<>();
    // guarded by lock
    private State state = State.ACCEPTING;

    private HealthService() {
        statuses.put(SERVER_HEALTH, ServingStatus.SERVING);
    }

    /** A new service whose overall server health ({@value #SERVER_HEALTH}) is {@code SERVING}. */
    public static HealthService create() {
        return new HealthService();
    }

    /**
     * The handlers of {@code Check}, {@code Watch} and {@code List} for {@link io.rpcvertx.Server#addGenericRpcHandlers},
     * with the schema of {@code grpc/health/v1/health.proto} for server reflection. Each call returns a new definition
     * backed by this service's statuses.
     */
    public ServiceDefinition bindService() {
        return ServiceDefinition.of(
                        SERVICE_NAME,
                        RpcMethodHandler.unaryUnary(CHECK_METHOD, this::check),
                        RpcMethodHandler.unaryStream(WATCH_METHOD, this::watch),
                        RpcMethodHandler.unaryUnary(LIST_METHOD, this::list))
                .withSchema(HealthProto.getDescriptor().findServiceByName("Health"));
    }

    /**
     * Sets the status of {@code service} (a full service name, or {@value #SERVER_HEALTH} for the whole server) and
     * tells its watchers if it changed. Ignored after {@link #enterGracefulShutdown()}.
     *
     * @throws IllegalArgumentException if {@code status} is {@code SERVICE_UNKNOWN} (only Watch uses it) or
     *     {@code UNRECOGNIZED}
     */
    public void setStatus(String service, ServingStatus status) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(status, "status");
        if (status == ServingStatus.SERVICE_UNKNOWN || status == ServingStatus.UNRECOGNIZED) {
            throw new IllegalArgumentException(
                    "status: " + status + " (expected: UNKNOWN, SERVING or NOT_SERVING; clearStatus forgets one)");
        }
        synchronized (lock) {
            if (state == State.SHUT_DOWN) {
                return;
            }
            update(service, status);
        }
    }

    /**
     * Forgets the status of {@code service}: {@code Check} then fails with {@link StatusCode#NOT_FOUND} and watchers
     * get {@code SERVICE_UNKNOWN}. Ignored after {@link #enterGracefulShutdown()}.
     */
    public void clearStatus(String service) {
        Objects.requireNonNull(service, "service");
        synchronized (lock) {
            if (state == State.SHUT_DOWN) {
                return;
            }
            update(service, null);
        }
    }

    /**
     * Sets every known status, the server's included, to {@code NOT_SERVING} for good (grpcio
     * {@code enter_graceful_shutdown}, grpc-java {@code enterTerminalState}): later {@link #setStatus} and
     * {@link #clearStatus} calls are ignored. Call it before {@link io.rpcvertx.Server#stop}, so that load balancers
     * and watchers move away while in-flight RPCs finish. Idempotent.
     */
    public void enterGracefulShutdown() {
        synchronized (lock) {
            if (state == State.SHUT_DOWN) {
                return;
            }
            state = State.SHUT_DOWN;
            for (String service : Set.copyOf(statuses.keySet())) {
                update(service, ServingStatus.NOT_SERVING);
            }
        }
    }

    /** The status of {@code service}, or empty if none is set. */
    public Optional<ServingStatus> status(String service) {
        Objects.requireNonNull(service, "service");
        synchronized (lock) {
            return Optional.ofNullable(statuses.get(service));
        }
    }

    /** Every status set, by service name (a snapshot). */
    public Map<String, ServingStatus> statuses() {
        synchronized (lock) {
            return Map.copyOf(statuses);
        }
    }

    /** Under the lock: the new status (null: cleared), offered to watchers in the order of updates. */
    private void update(String service, @Nullable ServingStatus status) {
        ServingStatus previous = status == null ? statuses.remove(service) : statuses.put(service, status);
        if (previous == status) {
            return;
        }
        ServingStatus seen = status == null ? ServingStatus.SERVICE_UNKNOWN : status;
        for (Watcher w : watchers.getOrDefault(service, Set.of())) {
            w.offer(seen);
        }
    }

    private Future<HealthCheckResponse> check(
            HealthCheckRequest request, ServicerContext<HealthCheckRequest, HealthCheckResponse> context) {
        Optional<ServingStatus> status = status(request.getService());
        if (status.isEmpty()) {
            return context.abort(StatusCode.NOT_FOUND, "unknown service " + request.getService());
        }
        return Future.succeededFuture(response(status.get()));
    }

    private Future<HealthListResponse> list(
            HealthListRequest request, ServicerContext<HealthListRequest, HealthListResponse> context) {
        Map<String, ServingStatus> snapshot = statuses();
        if (snapshot.size() > MAX_LIST_SIZE) {
            return context.abort(
                    StatusCode.RESOURCE_EXHAUSTED,
                    "server has " + snapshot.size() + " health statuses (List answers at most " + MAX_LIST_SIZE + ")");
        }
        HealthListResponse.Builder response = HealthListResponse.newBuilder();
        new TreeMap<>(snapshot).forEach((service, status) -> response.putStatuses(service, response(status)));
        return Future.succeededFuture(response.build());
    }

    private Future<Void> watch(
            HealthCheckRequest request, ServicerContext<HealthCheckRequest, HealthCheckResponse> context) {
        Context callContext = Objects.requireNonNull(Vertx.currentContext(), "a handler runs on its call's context");
        String service = request.getService();
        Watcher watcher = new Watcher(callContext, context);
        synchronized (lock) {
            watchers.computeIfAbsent(service, s -> new LinkedHashSet<>()).add(watcher);
            // under the lock, so the first status is queued before any later change
            watcher.offer(statuses.getOrDefault(service, ServingStatus.SERVICE_UNKNOWN));
        }
        context.addDoneCallback(v -> {
            synchronized (lock) {
                Set<Watcher> set = watchers.get(service);
                if (set != null && set.remove(watcher) && set.isEmpty()) {
                    watchers.remove(service);
                }
            }
            watcher.done.tryComplete();
        });
        return watcher.done.future();
    }

    private static HealthCheckResponse response(ServingStatus status) {
        return HealthCheckResponse.newBuilder().setStatus(status).build();
    }

    /**
     * One Watch call. Offers hop to the call's context; there, at most one write is in flight and only the latest
     * status is kept, so a client that does not read costs one message of memory, not a queue of changes.
     */
    private static final class Watcher {
        private final Context context;
        private final ServicerContext<HealthCheckRequest, HealthCheckResponse> call;
        /** Completes when the call is over: the handler's result. */
        final Promise<Void> done = Promise.promise();

        // touched only on context
        private @Nullable ServingStatus latest;
        private @Nullable ServingStatus sent;
        private boolean writing;

        Watcher(Context context, ServicerContext<HealthCheckRequest, HealthCheckResponse> call) {
            this.context = context;
            this.call = call;
        }

        void offer(ServingStatus status) {
            context.runOnContext(v -> {
                latest = status;
                pump();
            });
        }

        private void pump() {
            ServingStatus next = latest;
            if (writing || next == null || next == sent || done.future().isComplete()) {
                return;
            }
            writing = true;
            sent = next;
            call.write(response(next)).onComplete(ar -> {
                writing = false;
                if (ar.failed()) {
                    // the call is over (cancelled or stopped); its done callback cleans up
                    done.tryComplete();
                } else {
                    pump();
                }
            });
        }
    }
}
