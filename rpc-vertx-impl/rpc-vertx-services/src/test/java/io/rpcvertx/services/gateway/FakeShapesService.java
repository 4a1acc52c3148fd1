package io.rpcvertx.services.gateway;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A service of all four shapes on one message type, {@code gwtest.Item {string text = 1; int32 n = 2;}}, with its
 * protobuf descriptor built at run time (what generated code would carry), recording what the server side saw.
 *
 * <ul>
 *   <li>{@code gwtest.Shapes/Upper} (unary): the text in upper case;
 *   <li>{@code gwtest.Shapes/Count} (server streaming): {@code n} responses {@code {n: i, text}}, each written after the
 *       previous write completed (so a held client holds it); {@code OUT_OF_RANGE} at once for {@code n < 0};
 *   <li>{@code gwtest.Shapes/Join} (client streaming): the texts joined, and their count;
 *   <li>{@code gwtest.Shapes/Echo} (bidirectional): each message back in upper case.
 * </ul>
 */
final class FakeShapesService {
    static final String UPPER = "gwtest.Shapes/Upper";
    static final String COUNT = "gwtest.Shapes/Count";
    static final String JOIN = "gwtest.Shapes/Join";
    static final String ECHO = "gwtest.Shapes/Echo";

    final Descriptors.ServiceDescriptor service;
    final Descriptors.Descriptor item;
    /** Count's writes that completed (the server's view of what the client took). */
    final AtomicInteger countWritten = new AtomicInteger();
    /** The server side of each streaming call, in order. */
    final List<ServicerContext<?, ?>> calls = new CopyOnWriteArrayList<>();

    FakeShapesService() {
        FileDescriptorProto file = FileDescriptorProto.newBuilder()
                .setName("gwtest/shapes.proto")
                .setPackage("gwtest")
                .setSyntax("proto3")
                .addMessageType(DescriptorProto.newBuilder()
                        .setName("Item")
                        .addField(field("text", 1, FieldDescriptorProto.Type.TYPE_STRING))
                        .addField(field("n", 2, FieldDescriptorProto.Type.TYPE_INT32)))
                .addService(ServiceDescriptorProto.newBuilder()
                        .setName("Shapes")
                        .addMethod(method("Upper", false, false))
                        .addMethod(method("Count", false, true))
                        .addMethod(method("Join", true, false))
                        .addMethod(method("Echo", true, true)))
                .build();
        try {
            Descriptors.FileDescriptor fd =
                    Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[0]);
            service = fd.findServiceByName("Shapes");
            item = fd.findMessageTypeByName("Item");
        } catch (Descriptors.DescriptorValidationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static FieldDescriptorProto.Builder field(String name, int number, FieldDescriptorProto.Type type) {
        return FieldDescriptorProto.newBuilder()
                .setName(name)
                .setNumber(number)
                .setType(type)
                .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL)
                .setJsonName(name);
    }

    private static MethodDescriptorProto.Builder method(String name, boolean clientStreaming, boolean serverStreaming) {
        return MethodDescriptorProto.newBuilder()
                .setName(name)
                .setInputType(".gwtest.Item")
                .setOutputType(".gwtest.Item")
                .setClientStreaming(clientStreaming)
                .setServerStreaming(serverStreaming);
    }

    DynamicMessage item(String text, int n) {
        return DynamicMessage.newBuilder(item)
                .setField(item.findFieldByName("text"), text)
                .setField(item.findFieldByName("n"), n)
                .build();
    }

    private String text(DynamicMessage m) {
        return (String) m.getField(item.findFieldByName("text"));
    }

    private int n(DynamicMessage m) {
        return (Integer) m.getField(item.findFieldByName("n"));
    }

    ServiceDefinition bindService() {
        Marshaller<DynamicMessage> marshaller = Marshaller.of(m -> Buffer.buffer(m.toByteArray()), b -> {
            try {
                return DynamicMessage.parseFrom(item, b.getBytes());
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalArgumentException(e);
            }
        });
        return ServiceDefinition.of(
                        "gwtest.Shapes",
                        RpcMethodHandler.unaryUnary(
                                MethodDescriptor.of(MethodType.UNARY_UNARY, UPPER, marshaller, marshaller),
                                (req, ctx) ->
                                        Future.succeededFuture(item(text(req).toUpperCase(Locale.ROOT), n(req)))),
                        RpcMethodHandler.unaryStream(
                                MethodDescriptor.of(MethodType.UNARY_STREAM, COUNT, marshaller, marshaller),
                                (req, ctx) -> {
                                    calls.add(ctx);
                                    if (n(req) < 0) {
                                        return ctx.abort(StatusCode.OUT_OF_RANGE, "n: " + n(req) + " (expected: >= 0)");
                                    }
                                    Promise<Void> done = Promise.promise();
                                    writeFrom(ctx, req, 0, done);
                                    return done.future();
                                }),
                        RpcMethodHandler.streamUnary(
                                MethodDescriptor.of(MethodType.STREAM_UNARY, JOIN, marshaller, marshaller),
                                (requests, ctx) -> {
                                    calls.add(ctx);
                                    List<String> texts = new ArrayList<>();
                                    Promise<DynamicMessage> joined = Promise.promise();
                                    requests.handler(m -> texts.add(text(m)))
                                            .exceptionHandler(joined::tryFail)
                                            .endHandler(v ->
                                                    joined.tryComplete(item(String.join("", texts), texts.size())));
                                    return joined.future();
                                }),
                        RpcMethodHandler.streamStream(
                                MethodDescriptor.of(MethodType.STREAM_STREAM, ECHO, marshaller, marshaller),
                                (requests, ctx) -> {
                                    calls.add(ctx);
                                    Promise<Void> done = Promise.promise();
                                    requests.handler(m -> ctx.write(item(text(m).toUpperCase(Locale.ROOT), n(m))))
                                            .exceptionHandler(done::tryFail)
                                            .endHandler(v -> done.tryComplete());
                                    return done.future();
                                }))
                .withSchema(service);
    }

    /** Writes responses {@code i..n-1}, each once the previous one completed; a loop while they complete at once. */
    private void writeFrom(
            ServicerContext<DynamicMessage, DynamicMessage> ctx, DynamicMessage req, int i, Promise<Void> done) {
        for (int next = i; next < n(req); next++) {
            Future<Void> written = ctx.write(item(text(req), next));
            if (!written.isComplete()) {
                int after = next + 1;
                written.onComplete(ar -> {
                    if (ar.failed()) {
                        done.tryFail(ar.cause());
                    } else {
                        countWritten.incrementAndGet();
                        writeFrom(ctx, req, after, done);
                    }
                });
                return;
            }
            if (written.failed()) {
                done.tryFail(written.cause());
                return;
            }
            countWritten.incrementAndGet();
        }
        done.tryComplete();
    }
}
