package io.rpcvertx.impl.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.rpcvertx.StatusCode;
import io.vertx.core.VertxException;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class TransportErrorsTest {

    @Test
    void http2Exception_internalNamingTheHttp2Error() {
        Http2Exception e =
                Http2Exception.streamError(3, Http2Error.FLOW_CONTROL_ERROR, "Window size overflow for stream: 3");

        assertThat(TransportErrors.code(e, false)).isEqualTo(StatusCode.INTERNAL);
        assertThat(TransportErrors.details(e, false))
                .isEqualTo("HTTP/2 FLOW_CONTROL_ERROR: Window size overflow for stream: 3");
    }

    @Test
    void http2StreamGoingAway_unavailableStillNamingTheHttp2Error() {
        for (Http2Error error : new Http2Error[] {Http2Error.STREAM_CLOSED, Http2Error.CANCEL, Http2Error.NO_ERROR}) {
            Http2Exception e = Http2Exception.streamError(5, error, "Stream 5 closed");

            assertThat(TransportErrors.code(e, false)).as("%s", error).isEqualTo(StatusCode.UNAVAILABLE);
            assertThat(TransportErrors.details(e, false)).isEqualTo("HTTP/2 " + error + ": Stream 5 closed");
        }
    }

    @Test
    void http2ExceptionAsCause_internal() {
        Throwable wrapped = new VertxException(Http2Exception.connectionError(Http2Error.PROTOCOL_ERROR, "bad"));

        assertThat(TransportErrors.code(wrapped, false)).isEqualTo(StatusCode.INTERNAL);
    }

    @Test
    void statusParseFailureBeforeTheResponseHead_internalNamingStatus() {
        Throwable nfe = new NumberFormatException("For input string: \"abc\"");

        assertThat(TransportErrors.code(nfe, true)).isEqualTo(StatusCode.INTERNAL);
        assertThat(TransportErrors.details(nfe, true)).contains(":status").contains("abc");
        assertThat(TransportErrors.code(new NullPointerException(), true)).isEqualTo(StatusCode.INTERNAL);
    }

    @Test
    void runtimeExceptionAfterTheResponseHead_unavailable() {
        assertThat(TransportErrors.code(new IllegalArgumentException("x"), false))
                .isEqualTo(StatusCode.UNAVAILABLE);
    }

    @Test
    void ioException_unavailableWithItsMessage() {
        IOException e = new IOException("Connection reset by peer");

        assertThat(TransportErrors.code(e, true)).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(TransportErrors.details(e, true)).isEqualTo("Connection reset by peer");
        assertThat(TransportErrors.details(new IOException(), false)).isEqualTo("java.io.IOException");
    }
}
