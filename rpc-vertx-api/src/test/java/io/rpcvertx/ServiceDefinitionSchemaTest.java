package io.rpcvertx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ServiceDefinitionSchemaTest {
    static final MethodDescriptor<byte[], byte[]> M =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "x.S/M", Marshaller.BYTES, Marshaller.BYTES);
    static final ServiceDefinition PLAIN =
            ServiceDefinition.of("x.S", RpcMethodHandler.unaryUnary(M, (r, c) -> Future.succeededFuture(r)));

    @Test
    void of_hasNoSchema() {
        assertThat(PLAIN.schema()).isEmpty();
    }

    @Test
    void withSchema_copyCarriesItWithTheSameHandlers() {
        Object schema = new Object();

        ServiceDefinition described = PLAIN.withSchema(schema);

        assertThat(described.schema()).containsSame(schema);
        assertThat(described.handlersByPath()).isEqualTo(PLAIN.handlersByPath());
        assertThat(described.serviceName()).isEqualTo("x.S");
        assertThat(PLAIN.schema()).isEmpty();
    }

    @Test
    void blocking_keepsTheSchema() {
        Object schema = new Object();

        assertThat(PLAIN.withSchema(schema).blocking().schema()).containsSame(schema);
    }

    @Test
    void withSchema_null_isRejected() {
        assertThatThrownBy(() -> PLAIN.withSchema(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("schema");
    }
}
