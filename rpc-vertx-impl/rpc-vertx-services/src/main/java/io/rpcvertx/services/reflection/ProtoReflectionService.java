package io.rpcvertx.services.reflection;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.Server;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.rpcvertx.protobuf.ProtoMarshaller;
import io.rpcvertx.services.reflection.v1.ErrorResponse;
import io.rpcvertx.services.reflection.v1.ExtensionNumberResponse;
import io.rpcvertx.services.reflection.v1.ExtensionRequest;
import io.rpcvertx.services.reflection.v1.FileDescriptorResponse;
import io.rpcvertx.services.reflection.v1.ListServiceResponse;
import io.rpcvertx.services.reflection.v1.ServerReflectionProto;
import io.rpcvertx.services.reflection.v1.ServerReflectionRequest;
import io.rpcvertx.services.reflection.v1.ServerReflectionResponse;
import io.rpcvertx.services.reflection.v1.ServiceResponse;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * gRPC server reflection (<a href="https://github.com/grpc/grpc/blob/master/doc/server-reflection.md">
 * server-reflection.md</a>), v1 and v1alpha: describes the services of a {@link Server} from the protobuf schemas
 * their {@link ServiceDefinition}s carry ({@link ServiceDefinition#schema()}, set by code generated with
 * rpc-vertx-codegen). Answers {@code list_services}, {@code file_by_filename}, {@code file_containing_symbol}
 * (services, methods, messages, enums, extensions), {@code file_containing_extension} and
 * {@code all_extension_numbers_of_type}; a file comes with every file it imports, transitively. An unknown name is
 * answered with an {@code error_response} ({@code NOT_FOUND}), a request without a known message with
 * {@code UNIMPLEMENTED}; the stream stays open either way.
 *
 * <p>Services registered without a schema (hand-written {@link ServiceDefinition}s, plain
 * {@link io.rpcvertx.GenericRpcHandler}s) are not listed, as in grpc-java. The server's services are read when a
 * reflection stream asks, so everything registered before {@code start()} is included, in any order.
 *
 * <pre>{@code
 * Server server = RpcVertx.server(vertx);
 * GreeterGrpc.addGreeterServicerToServer(new MyGreeter(), server);
 * ProtoReflectionService.enable(server); // grpc.aio: reflection.enable_server_reflection(names, server)
 * }</pre>
 *
 * <p>Thread-safe; each stream is served on its call's event loop, one response per request, in order, and the next
 * request is read only once the previous response has been accepted under flow control.
 */
public final class ProtoReflectionService {
    /** {@code grpc.reflection.v1.ServerReflection}. */
    public static final String V1_SERVICE_NAME = "grpc.reflection.v1.ServerReflection";

    /** {@code grpc.reflection.v1alpha.ServerReflection}. */
    public static final String V1ALPHA_SERVICE_NAME = "grpc.reflection.v1alpha.ServerReflection";

    /** {@code grpc.reflection.v1.ServerReflection/ServerReflectionInfo}: bidirectional streaming. */
    public static final io.rpcvertx.MethodDescriptor<ServerReflectionRequest, ServerReflectionResponse> V1_METHOD =
            io.rpcvertx.MethodDescriptor.of(
                    MethodType.STREAM_STREAM,
                    V1_SERVICE_NAME + "/ServerReflectionInfo",
                    ProtoMarshaller.of(ServerReflectionRequest.parser()),
                    ProtoMarshaller.of(ServerReflectionResponse.parser()));

    /** {@code grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo}: bidirectional streaming. */
    public static final io.rpcvertx.MethodDescriptor<
                    io.rpcvertx.services.reflection.v1alpha.ServerReflectionRequest,
                    io.rpcvertx.services.reflection.v1alpha.ServerReflectionResponse>
            V1ALPHA_METHOD = io.rpcvertx.MethodDescriptor.of(
                    MethodType.STREAM_STREAM,
                    V1ALPHA_SERVICE_NAME + "/ServerReflectionInfo",
                    ProtoMarshaller.of(io.rpcvertx.services.reflection.v1alpha.ServerReflectionRequest.parser()),
                    ProtoMarshaller.of(io.rpcvertx.services.reflection.v1alpha.ServerReflectionResponse.parser()));

    private final Supplier<List<ServiceDefinition>> services;
    private volatile @Nullable Index index;

    private ProtoReflectionService(Supplier<List<ServiceDefinition>> services) {
        this.services = services;
    }

    /** A reflection service describing the services registered on {@code server} (see {@link Server#services()}). */
    public static ProtoReflectionService create(Server server) {
        Objects.requireNonNull(server, "server");
        return new ProtoReflectionService(server::services);
    }

    /** A reflection service over a fixed source of definitions (tests). */
    static ProtoReflectionService of(Supplier<List<ServiceDefinition>> services) {
        return new ProtoReflectionService(services);
    }

    /**
     * Registers reflection v1 and v1alpha on {@code server}; both list themselves too, as in grpc. Only before the
     * server starts.
     *
     * @return the service, registered
     * @throws IllegalStateException if the server has started
     */
    public static ProtoReflectionService enable(Server server) {
        ProtoReflectionService service = create(server);
        server.addGenericRpcHandlers(service.bindV1(), service.bindV1Alpha());
        return service;
    }

    /** The handler of {@code grpc.reflection.v1.ServerReflection}, with its schema. */
    public ServiceDefinition bindV1() {
        return ServiceDefinition.of(
                        V1_SERVICE_NAME,
                        RpcMethodHandler.streamStream(
                                V1_METHOD, (requests, context) -> serve(requests, context, r -> r, r -> r)))
                .withSchema(ServerReflectionProto.getDescriptor().findServiceByName("ServerReflection"));
    }

    /** The handler of {@code grpc.reflection.v1alpha.ServerReflection}, with its schema. */
    public ServiceDefinition bindV1Alpha() {
        return ServiceDefinition.of(
                        V1ALPHA_SERVICE_NAME,
                        RpcMethodHandler.streamStream(
                                V1ALPHA_METHOD,
                                (requests, context) -> serve(
                                        requests,
                                        context,
                                        r -> convert(r.toByteString(), ServerReflectionRequest::parseFrom),
                                        r -> convert(
                                                r.toByteString(),
                                                io.rpcvertx.services.reflection.v1alpha.ServerReflectionResponse
                                                        ::parseFrom))))
                .withSchema(io.rpcvertx.services.reflection.v1alpha.ServerReflectionProto.getDescriptor()
                        .findServiceByName("ServerReflection"));
    }

    /**
     * The answer to one request (v1). Never fails: what cannot be answered gets an {@code error_response}.
     *
     * @throws IllegalStateException if two registered schemas declare different files under one name
     */
    public ServerReflectionResponse answer(ServerReflectionRequest request) {
        Objects.requireNonNull(request, "request");
        Index idx = currentIndex();
        ServerReflectionResponse.Builder response = ServerReflectionResponse.newBuilder()
                .setValidHost(request.getHost())
                .setOriginalRequest(request);
        switch (request.getMessageRequestCase()) {
            case LIST_SERVICES:
                ListServiceResponse.Builder list = ListServiceResponse.newBuilder();
                for (String name : idx.serviceNames) {
                    list.addService(ServiceResponse.newBuilder().setName(name));
                }
                return response.setListServicesResponse(list).build();
            case FILE_BY_FILENAME:
                return withFile(
                        response,
                        idx.files.get(request.getFileByFilename()),
                        "file not found: ",
                        request.getFileByFilename());
            case FILE_CONTAINING_SYMBOL:
                return withFile(
                        response,
                        idx.fileBySymbol.get(request.getFileContainingSymbol()),
                        "symbol not found: ",
                        request.getFileContainingSymbol());
            case FILE_CONTAINING_EXTENSION:
                ExtensionRequest ext = request.getFileContainingExtension();
                return withFile(
                        response,
                        idx.extensions
                                .getOrDefault(ext.getContainingType(), Map.of())
                                .get(ext.getExtensionNumber()),
                        "extension not found: ",
                        ext.getContainingType() + " " + ext.getExtensionNumber());
            case ALL_EXTENSION_NUMBERS_OF_TYPE:
                String type = request.getAllExtensionNumbersOfType();
                if (!idx.messageTypes.contains(type)) {
                    return error(response, StatusCode.NOT_FOUND, "type not found: " + type);
                }
                return response.setAllExtensionNumbersResponse(ExtensionNumberResponse.newBuilder()
                                .setBaseTypeName(type)
                                .addAllExtensionNumber(idx.extensions
                                        .getOrDefault(type, Map.of())
                                        .keySet()))
                        .build();
            default:
                return error(
                        response,
                        StatusCode.UNIMPLEMENTED,
                        "unsupported message_request: " + request.getMessageRequestCase());
        }
    }

    private <Req, Resp> Future<Void> serve(
            ReadStream<Req> requests,
            ServicerContext<Req, Resp> context,
            Function<Req, ServerReflectionRequest> toV1,
            Function<ServerReflectionResponse, Resp> fromV1) {
        Promise<Void> done = Promise.promise();
        requests.exceptionHandler(done::tryFail);
        // the end comes only after the last request's response was accepted (the stream is paused until then)
        requests.endHandler(v -> done.tryComplete());
        requests.handler(request -> {
            requests.pause();
            Resp response;
            try {
                response = fromV1.apply(answer(toV1.apply(request)));
            } catch (RuntimeException e) {
                // conflicting schemas: a server bug, reported as UNKNOWN and logged by the server
                done.tryFail(e);
                return;
            }
            context.write(response).onComplete(ar -> {
                if (ar.succeeded()) {
                    requests.resume();
                } else {
                    done.tryFail(ar.cause());
                }
            });
        });
        return done.future();
    }

    private Index currentIndex() {
        List<ServiceDefinition> now = services.get();
        Index idx = index;
        if (idx == null || !idx.services.equals(now)) {
            idx = Index.of(now);
            index = idx;
        }
        return idx;
    }

    private static ServerReflectionResponse withFile(
            ServerReflectionResponse.Builder response, @Nullable FileDescriptor file, String notFound, String name) {
        if (file == null) {
            return error(response, StatusCode.NOT_FOUND, notFound + name);
        }
        FileDescriptorResponse.Builder files = FileDescriptorResponse.newBuilder();
        // the file first, then its imports breadth-first, each once
        Set<String> seen = new HashSet<>();
        Queue<FileDescriptor> frontier = new ArrayDeque<>();
        seen.add(file.getName());
        frontier.add(file);
        while (!frontier.isEmpty()) {
            FileDescriptor next = frontier.remove();
            files.addFileDescriptorProto(next.toProto().toByteString());
            for (FileDescriptor dep : next.getDependencies()) {
                if (seen.add(dep.getName())) {
                    frontier.add(dep);
                }
            }
        }
        return response.setFileDescriptorResponse(files).build();
    }

    private static ServerReflectionResponse error(
            ServerReflectionResponse.Builder response, StatusCode code, String message) {
        return response.setErrorResponse(
                        ErrorResponse.newBuilder().setErrorCode(code.value()).setErrorMessage(message))
                .build();
    }

    @FunctionalInterface
    private interface Parser<T> {
        T parseFrom(ByteString bytes) throws InvalidProtocolBufferException;
    }

    /** v1 and v1alpha messages have the same fields and numbers, so one parses the other's bytes. */
    private static <T> T convert(ByteString bytes, Parser<T> parser) {
        try {
            return parser.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("v1 and v1alpha reflection messages differ", e);
        }
    }

    /** What the registered schemas describe, built when the registered services change (in practice: once). */
    private static final class Index {
        final List<ServiceDefinition> services;
        final List<String> serviceNames = new ArrayList<>();
        final Map<String, FileDescriptor> files = new LinkedHashMap<>();
        final Map<String, FileDescriptor> fileBySymbol = new LinkedHashMap<>();
        final Set<String> messageTypes = new HashSet<>();
        /** Extended message type → extension number → declaring file. */
        final Map<String, Map<Integer, FileDescriptor>> extensions = new LinkedHashMap<>();

        private Index(List<ServiceDefinition> services) {
            this.services = services;
        }

        static Index of(List<ServiceDefinition> services) {
            Index idx = new Index(services);
            Set<String> names = new HashSet<>();
            for (ServiceDefinition definition : services) {
                ServiceDescriptor service = serviceOf(definition);
                if (service != null && names.add(service.getFullName())) {
                    idx.serviceNames.add(service.getFullName());
                    idx.addFile(service.getFile());
                }
            }
            return idx;
        }

        private static @Nullable ServiceDescriptor serviceOf(ServiceDefinition definition) {
            Object schema = definition.schema().orElse(null);
            ServiceDescriptor service = null;
            if (schema instanceof ServiceDescriptor) {
                service = (ServiceDescriptor) schema;
            } else if (schema instanceof FileDescriptor) {
                for (ServiceDescriptor s : ((FileDescriptor) schema).getServices()) {
                    if (s.getFullName().equals(definition.serviceName())) {
                        service = s;
                    }
                }
            }
            // a schema describing another service would send tools to the wrong file
            return service != null && service.getFullName().equals(definition.serviceName()) ? service : null;
        }

        private void addFile(FileDescriptor file) {
            FileDescriptor known = files.putIfAbsent(file.getName(), file);
            if (known != null) {
                if (known != file && !known.toProto().equals(file.toProto())) {
                    throw new IllegalStateException("two different schemas declare file " + file.getName());
                }
                return;
            }
            for (ServiceDescriptor s : file.getServices()) {
                symbol(s.getFullName(), file);
                for (MethodDescriptor m : s.getMethods()) {
                    symbol(m.getFullName(), file);
                }
            }
            for (Descriptor m : file.getMessageTypes()) {
                addMessage(m, file);
            }
            for (EnumDescriptor e : file.getEnumTypes()) {
                symbol(e.getFullName(), file);
            }
            for (FieldDescriptor x : file.getExtensions()) {
                addExtension(x, file);
            }
            for (FileDescriptor dep : file.getDependencies()) {
                addFile(dep);
            }
        }

        private void addMessage(Descriptor message, FileDescriptor file) {
            symbol(message.getFullName(), file);
            messageTypes.add(message.getFullName());
            for (Descriptor nested : message.getNestedTypes()) {
                addMessage(nested, file);
            }
            for (EnumDescriptor e : message.getEnumTypes()) {
                symbol(e.getFullName(), file);
            }
            for (FieldDescriptor x : message.getExtensions()) {
                addExtension(x, file);
            }
        }

        private void addExtension(FieldDescriptor extension, FileDescriptor file) {
            symbol(extension.getFullName(), file);
            extensions
                    .computeIfAbsent(extension.getContainingType().getFullName(), t -> new TreeMap<>())
                    .putIfAbsent(extension.getNumber(), file);
        }

        private void symbol(String name, FileDescriptor file) {
            fileBySymbol.putIfAbsent(name, file);
        }
    }
}
