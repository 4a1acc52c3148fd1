package io.rpcvertx.impl.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.StatusCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class WireExceptionTest {

    @Test
    void constructor_codeAndMessage_areKept() {
        WireException e = new WireException(StatusCode.RESOURCE_EXHAUSTED, "too big");

        assertThat(e.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
        assertThat(e).hasMessage("too big").hasNoCause();
    }

    @Test
    void constructor_routineViolation_recordsNoStackTraceAndNoSuppressed() {
        WireException e = new WireException(StatusCode.INTERNAL, "bad frame");
        e.addSuppressed(new IllegalStateException("ignored"));

        assertThat(e.getStackTrace()).isEmpty();
        assertThat(e.getSuppressed()).isEmpty();
    }
}
