package io.rpcvertx.impl.codec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(10)
class ContentTypesTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "application/grpc",
                "application/grpc+proto",
                "application/grpc+json",
                "application/grpc+anything",
                "application/grpc; charset=utf-8",
                "application/grpc;charset=utf-8",
                "application/grpc ;charset=utf-8",
                "application/grpc+proto; charset=utf-8",
                "Application/GRPC",
                "APPLICATION/GRPC+PROTO",
                "application/grpc ",
            })
    void isGrpc_grpcContentType_isTrue(String contentType) {
        assertThat(ContentTypes.isGrpc(contentType)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "application/json",
                "application/grpc-web",
                "application/grpc-web+proto",
                "application/grpc-web-text",
                "application/grpcx",
                "application/grp",
                "application/grpc foo",
                "text/plain",
                "application/x-protobuf",
                " application/grpc",
            })
    void isGrpc_otherContentType_isFalse(String contentType) {
        assertThat(ContentTypes.isGrpc(contentType)).isFalse();
    }

    @Test
    void isGrpc_null_isFalse() {
        assertThat(ContentTypes.isGrpc(null)).isFalse();
    }
}
