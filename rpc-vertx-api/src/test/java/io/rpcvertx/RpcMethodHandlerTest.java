package io.rpcvertx;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class RpcMethodHandlerTest {
    static final Marshaller<String> UTF8 = Marshaller.of(Buffer::buffer, Buffer::toString);
    static final MethodDescriptor<String, String> A = MethodDescriptor.of(MethodType.UNARY_UNARY, "x.S/A", UTF8, UTF8);
    static final MethodDescriptor<String, String> B = MethodDescriptor.of(MethodType.UNARY_STREAM, "x.S/B", UTF8, UTF8);

    final RpcMethodHandler<String, String> handler =
            RpcMethodHandler.unaryUnary(A, (request, context) -> Future.succeededFuture(request));

    static ServerMessageInterceptor named(String name) {
        return new ServerMessageInterceptor() {
            @Override
            public String toString() {
                return name;
            }
        };
    }

    @Test
    void blocking_returnsAMarkedCopy_sameMethodAndHandler() {
        RpcMethodHandler<String, String> blocking = handler.blocking();

        assertThat(handler.isBlocking()).isFalse();
        assertThat(blocking.isBlocking()).isTrue();
        assertThat(blocking.method()).isSameAs(A);
        assertThat(blocking.unaryUnaryHandler()).isSameAs(handler.unaryUnaryHandler());
        assertThat(blocking.blocking()).isSameAs(blocking);
    }

    @Test
    void withMessageInterceptor_lastAddedIsOutermost_blockingKept() {
        RpcMethodHandler<String, String> h =
                handler.blocking().withMessageInterceptor(named("inner")).withMessageInterceptor(named("outer"));

        assertThat(h.messageInterceptors()).extracting(Object::toString).containsExactly("inner", "outer");
        assertThat(h.isBlocking()).isTrue();
        assertThat(handler.messageInterceptors()).isEmpty();
    }

    @Test
    void serviceDefinitionBlocking_marksEveryHandler_originalUnchanged() {
        ServiceDefinition service = ServiceDefinition.of(
                "x.S", handler, RpcMethodHandler.unaryStream(B, (request, context) -> Future.succeededFuture()));

        ServiceDefinition blocking = service.blocking();

        assertThat(blocking.handlersByPath().values()).allMatch(RpcMethodHandler::isBlocking);
        assertThat(service.handlersByPath().values()).noneMatch(RpcMethodHandler::isBlocking);
        assertThat(blocking.methods()).isEqualTo(service.methods());
        assertThat(blocking.service(new HandlerCallDetails("/x.S/A", Metadata.EMPTY)))
                .map(RpcMethodHandler::isBlocking)
                .isEqualTo(Optional.of(true));
    }
}
