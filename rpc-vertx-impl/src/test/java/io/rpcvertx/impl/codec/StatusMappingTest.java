package io.rpcvertx.impl.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.StatusCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(10)
class StatusMappingTest {

    @ParameterizedTest
    @CsvSource({
        "400, INTERNAL",
        "401, UNAUTHENTICATED",
        "403, PERMISSION_DENIED",
        "404, UNIMPLEMENTED",
        "429, UNAVAILABLE",
        "502, UNAVAILABLE",
        "503, UNAVAILABLE",
        "504, UNAVAILABLE",
        "200, UNKNOWN",
        "204, UNKNOWN",
        "301, UNKNOWN",
        "402, UNKNOWN",
        "405, UNKNOWN",
        "415, UNKNOWN",
        "500, UNKNOWN",
        "501, UNKNOWN",
        "505, UNKNOWN",
        "0, UNKNOWN",
        "-1, UNKNOWN",
    })
    void fromHttpStatus_status_mapsPerSpecTable(int httpStatus, StatusCode expected) {
        assertThat(StatusMapping.fromHttpStatus(httpStatus)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({
        "0x0, INTERNAL", // NO_ERROR
        "0x1, INTERNAL", // PROTOCOL_ERROR
        "0x2, INTERNAL", // INTERNAL_ERROR
        "0x3, INTERNAL", // FLOW_CONTROL_ERROR
        "0x4, INTERNAL", // SETTINGS_TIMEOUT
        "0x5, INTERNAL", // STREAM_CLOSED
        "0x6, INTERNAL", // FRAME_SIZE_ERROR
        "0x7, UNAVAILABLE", // REFUSED_STREAM
        "0x8, CANCELLED", // CANCEL
        "0x9, INTERNAL", // COMPRESSION_ERROR
        "0xA, INTERNAL", // CONNECT_ERROR (vertx-grpc-common says CANCELLED)
        "0xB, RESOURCE_EXHAUSTED", // ENHANCE_YOUR_CALM
        "0xC, PERMISSION_DENIED", // INADEQUATE_SECURITY
        "0xD, INTERNAL", // HTTP_1_1_REQUIRED
        "0xE, INTERNAL",
        "0xFF, INTERNAL",
        "0x100000007, INTERNAL", // must not be truncated to REFUSED_STREAM
        "0x100000008, INTERNAL",
        "0xFFFFFFFF, INTERNAL",
    })
    void fromHttp2ErrorCode_code_mapsPerSpecTable(String code, StatusCode expected) {
        assertThat(StatusMapping.fromHttp2ErrorCode(Long.decode(code))).isEqualTo(expected);
    }

    @Test
    void fromHttp2ErrorCode_negative_isInternal() {
        assertThat(StatusMapping.fromHttp2ErrorCode(-1)).isEqualTo(StatusCode.INTERNAL);
        assertThat(StatusMapping.fromHttp2ErrorCode(Long.MIN_VALUE)).isEqualTo(StatusCode.INTERNAL);
    }

    @ParameterizedTest
    @EnumSource(StatusCode.class)
    void parseGrpcStatus_everyCodeValue_returnsThatCode(StatusCode code) {
        assertThat(StatusMapping.parseGrpcStatus(Integer.toString(code.value())))
                .isEqualTo(code);
    }

    @Test
    void parseGrpcStatus_leadingZeros_parseAsDecimal() {
        assertThat(StatusMapping.parseGrpcStatus("007")).isEqualTo(StatusCode.PERMISSION_DENIED);
        assertThat(StatusMapping.parseGrpcStatus("00")).isEqualTo(StatusCode.OK);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(
            strings = {
                "17",
                "99",
                "-1",
                "+1",
                " 1",
                "1 ",
                "abc",
                "1a",
                "0x1",
                "1.0",
                "2147483647",
                "2147483648",
                "99999999999999999999"
            })
    void parseGrpcStatus_invalidOrUnknown_returnsUnknown(String value) {
        assertThat(StatusMapping.parseGrpcStatus(value)).isEqualTo(StatusCode.UNKNOWN);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "2", "16", "00", "09"})
    void isKnownGrpcStatus_digitsUpTo16_true(String value) {
        assertThat(StatusMapping.isKnownGrpcStatus(value)).isTrue();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"17", "99", "-1", "abc", " 0", "0 ", "+0", "016", "2147483648", "\u0660"})
    void isKnownGrpcStatus_anythingElse_false(String value) {
        assertThat(StatusMapping.isKnownGrpcStatus(value)).isFalse();
    }
}
