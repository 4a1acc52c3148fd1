package io.rpcvertx.impl.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.vertx.core.MultiMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(10)
class MetadataCodecTest {

    private static MultiMap headers(String... keysAndValues) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            headers.add(keysAndValues[i], keysAndValues[i + 1]);
        }
        return headers;
    }

    @Test
    void fromHeaders_onlyReservedHeaders_returnsEmpty() {
        MultiMap headers = headers(
                ":method", "POST",
                ":scheme", "http",
                ":path", "/pkg.Svc/Method",
                ":authority", "localhost",
                ":status", "200",
                "content-type", "application/grpc",
                "content-length", "0",
                "te", "trailers",
                "host", "example.com",
                "connection", "close",
                "keep-alive", "timeout=5",
                "proxy-connection", "keep-alive",
                "transfer-encoding", "chunked",
                "upgrade", "h2c",
                "grpc-timeout", "1S",
                "grpc-encoding", "gzip",
                "grpc-accept-encoding", "gzip",
                "grpc-status", "0",
                "grpc-message", "ok",
                "grpc-previous-rpc-attempts", "1");

        assertThat(MetadataCodec.fromHeaders(headers)).isSameAs(Metadata.EMPTY);
    }

    @Test
    void fromHeaders_textEntries_keepOrderAndRepeatedKeys() {
        MultiMap headers = headers("a", "1", "content-type", "application/grpc", "b", "2", "a", "3");

        Metadata metadata = MetadataCodec.fromHeaders(headers);

        assertThat(metadata.entries())
                .extracting(Metadata.Entry::key, Metadata.Entry::value)
                .containsExactly(tuple("a", "1"), tuple("b", "2"), tuple("a", "3"));
    }

    @Test
    void fromHeaders_userAgent_isVisibleAsMetadata() {
        Metadata metadata = MetadataCodec.fromHeaders(headers("user-agent", "grpc-java-netty/1.79.0"));

        assertThat(metadata.get("user-agent")).contains("grpc-java-netty/1.79.0");
    }

    @Test
    void fromHeaders_grpcStatusDetailsBin_passesThrough() {
        Metadata metadata =
                MetadataCodec.fromHeaders(headers("grpc-status", "3", "grpc-status-details-bin", "CAMSBGJhZCE"));

        assertThat(metadata.size()).isEqualTo(1);
        assertThat(metadata.getBinary("grpc-status-details-bin"))
                .hasValueSatisfying(v -> assertThat(v).containsExactly(8, 3, 18, 4, 'b', 'a', 'd', '!'));
    }

    @Test
    void fromHeaders_uppercaseKey_isLowercased() {
        Metadata metadata = MetadataCodec.fromHeaders(headers("X-Request-ID", "42"));

        assertThat(metadata.entries()).extracting(Metadata.Entry::key).containsExactly("x-request-id");
        assertThat(metadata.get("x-request-id")).contains("42");
    }

    @Test
    void fromHeaders_uppercaseReservedKey_isSkipped() {
        assertThat(MetadataCodec.fromHeaders(headers("Content-Type", "application/grpc", "GRPC-Status", "0")))
                .isSameAs(Metadata.EMPTY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"AQI=", "AQI"})
    void fromHeaders_binPaddedOrUnpadded_decodes(String value) {
        Metadata metadata = MetadataCodec.fromHeaders(headers("trace-bin", value));

        assertThat(metadata.getAllBinary("trace-bin"))
                .singleElement()
                .satisfies(v -> assertThat(v).containsExactly(1, 2));
    }

    @Test
    void fromHeaders_binOneByteUnpadded_decodes() {
        Metadata metadata = MetadataCodec.fromHeaders(headers("a-bin", "AQ", "b-bin", "AQ=="));

        assertThat(metadata.getBinary("a-bin"))
                .hasValueSatisfying(v -> assertThat(v).containsExactly(1));
        assertThat(metadata.getBinary("b-bin"))
                .hasValueSatisfying(v -> assertThat(v).containsExactly(1));
    }

    @Test
    void fromHeaders_binCommaJoined_splitsIntoSeveralValuesInOrder() {
        Metadata metadata = MetadataCodec.fromHeaders(headers("x-bin", "AQ,AQI=, AQID ,/w"));

        assertThat(metadata.getAllBinary("x-bin"))
                .satisfiesExactly(
                        v -> assertThat(v).containsExactly(1),
                        v -> assertThat(v).containsExactly(1, 2),
                        v -> assertThat(v).containsExactly(1, 2, 3),
                        v -> assertThat(v).containsExactly(0xff));
    }

    @Test
    void fromHeaders_binEmptyValue_isOneEmptyValue() {
        Metadata metadata = MetadataCodec.fromHeaders(headers("x-bin", ""));

        assertThat(metadata.getAllBinary("x-bin"))
                .singleElement()
                .satisfies(v -> assertThat(v).isEmpty());
    }

    @Test
    void fromHeaders_undecodableBinPart_isDroppedOthersKept() {
        Metadata metadata = MetadataCodec.fromHeaders(headers("x-bin", "AQ,***,AQI", "y-bin", "A", "z-bin", "a b"));

        assertThat(metadata.keys()).containsExactly("x-bin");
        assertThat(metadata.getAllBinary("x-bin"))
                .satisfiesExactly(
                        v -> assertThat(v).containsExactly(1),
                        v -> assertThat(v).containsExactly(1, 2));
    }

    @Test
    void fromHeaders_invalidKeyOrTextValue_isDropped() {
        MultiMap headers = headers(
                "x@y", "1",
                "x y", "2",
                "ok", "3",
                "ctl", "a\u0001b",
                "latin", "caf\u00e9",
                "del", "\u007f",
                "also-ok", " spaced ~ value");

        Metadata metadata = MetadataCodec.fromHeaders(headers);

        assertThat(metadata.entries())
                .extracting(Metadata.Entry::key, Metadata.Entry::value)
                .containsExactly(tuple("ok", "3"), tuple("also-ok", " spaced ~ value"));
    }

    @Test
    void fromHeaders_emptyTextValue_isKept() {
        Metadata metadata = MetadataCodec.fromHeaders(headers("x-empty", ""));

        assertThat(metadata.get("x-empty")).contains("");
    }

    @Test
    void toHeaders_binValue_isUnpaddedBase64() {
        Metadata metadata = Metadata.builder()
                .addBinary("a-bin", new byte[] {1})
                .addBinary("b-bin", new byte[] {1, 2})
                .addBinary("c-bin", new byte[] {1, 2, 3})
                .addBinary("d-bin", new byte[0])
                .build();
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();

        MetadataCodec.toHeaders(metadata, headers);

        assertThat(headers.entries())
                .extracting(Map.Entry::getKey, Map.Entry::getValue)
                .containsExactly(
                        tuple("a-bin", "AQ"), tuple("b-bin", "AQI"), tuple("c-bin", "AQID"), tuple("d-bin", ""));
    }

    @Test
    void toHeaders_repeatedKeys_stayRepeatedInOrderAfterExistingHeaders() {
        Metadata metadata = Metadata.of("a", "1", "b", "2", "a", "3");
        MultiMap headers = headers("content-type", "application/grpc");

        MetadataCodec.toHeaders(metadata, headers);

        assertThat(headers.entries())
                .extracting(Map.Entry::getKey, Map.Entry::getValue)
                .containsExactly(
                        tuple("content-type", "application/grpc"), tuple("a", "1"), tuple("b", "2"), tuple("a", "3"));
        assertThat(headers.getAll("a")).containsExactly("1", "3");
    }

    @Test
    void toHeaders_reservedKeys_areSkippedButStatusDetailsBinIsSent() {
        Metadata metadata = Metadata.builder()
                .add("content-type", "text/plain")
                .add("te", "gzip")
                .add("user-agent", "mine/1.0")
                .add("grpc-timeout", "1S")
                .add("grpc-status", "0")
                .add("grpc-message", "hi")
                .add("host", "evil")
                .add("x-kept", "yes")
                .addBinary("grpc-status-details-bin", new byte[] {8, 3})
                .build();
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();

        MetadataCodec.toHeaders(metadata, headers);

        assertThat(headers.entries())
                .extracting(Map.Entry::getKey, Map.Entry::getValue)
                .containsExactly(tuple("x-kept", "yes"), tuple("grpc-status-details-bin", "CAM"));
    }

    @Test
    void toHeadersThenFromHeaders_roundTripsMetadata() {
        Metadata metadata = Metadata.builder()
                .add("x-request-id", "42")
                .addBinary("trace-bin", new byte[] {0, -1, 127, -128, 5})
                .add("x-request-id", "43")
                .addBinary("grpc-status-details-bin", new byte[] {1, 2, 3, 4})
                .add("empty", "")
                .build();
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();

        MetadataCodec.toHeaders(metadata, headers);

        assertThat(MetadataCodec.fromHeaders(headers)).isEqualTo(metadata);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                ":path",
                ":authority",
                ":status",
                "content-type",
                "Content-Type",
                "content-length",
                "te",
                "TE",
                "host",
                "connection",
                "keep-alive",
                "proxy-connection",
                "transfer-encoding",
                "upgrade",
                "grpc-timeout",
                "grpc-encoding",
                "grpc-accept-encoding",
                "grpc-status",
                "grpc-message",
                "grpc-anything-else",
                "grpc-trace-bin",
                "GRPC-STATUS",
            })
    void isReserved_protocolHeader_isTrue(String key) {
        assertThat(MetadataCodec.isReserved(key)).isTrue();
        assertThat(MetadataCodec.isReservedForSend(key)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "grpc-status-details-bin",
                "GRPC-Status-Details-Bin",
                "user-agent",
                "x-grpc-foo",
                "grpc",
                "grpcx",
                "tea",
                "hosts",
                "content-typo",
                "x-request-id",
                "trace-bin",
                "",
            })
    void isReserved_applicationKey_isFalse(String key) {
        assertThat(MetadataCodec.isReserved(key)).isFalse();
    }

    @Test
    void isReservedForSend_userAgent_isTrueOnlyForSending() {
        assertThat(MetadataCodec.isReservedForSend("user-agent")).isTrue();
        assertThat(MetadataCodec.isReservedForSend("User-Agent")).isTrue();
        assertThat(MetadataCodec.isReserved("user-agent")).isFalse();
    }

    @Test
    void isReservedForSend_statusDetailsBinAndApplicationKeys_areFalse() {
        assertThat(MetadataCodec.isReservedForSend("grpc-status-details-bin")).isFalse();
        assertThat(MetadataCodec.isReservedForSend("x-request-id")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x key", "X-Upper", "x-\u00e9", "x\u007f", "x:y:"})
    void fromResponseHeaders_fieldNameHttp2Forbids_internalNamingIt(String name) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("x-ok", "1").add(name, "v");

        assertThatThrownBy(() -> MetadataCodec.fromResponseHeaders(headers))
                .isInstanceOfSatisfying(
                        WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.INTERNAL))
                .hasMessageContaining("invalid header name '" + name + "'");
    }

    @Test
    void fromResponseHeaders_validNamesAndPseudoHeaders_sameAsFromHeaders() {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap()
                .add(":status", "200")
                .add("content-type", "application/grpc")
                .add("x-a_b.c-1", "v")
                .add("x-bin", "!!!");

        assertThat(MetadataCodec.fromResponseHeaders(headers).entries())
                .hasSameSizeAs(MetadataCodec.fromHeaders(headers).entries());
        assertThat(MetadataCodec.fromResponseHeaders(headers).get("x-a_b.c-1")).contains("v");
    }

    @Test
    void fromHeaders_fieldNameHttp2Forbids_droppedNotThrown() {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("x key", "v");

        assertThat(MetadataCodec.fromHeaders(headers)).isEqualTo(Metadata.EMPTY);
    }
}
