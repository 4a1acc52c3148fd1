package io.rpcvertx.codegen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.codegen.test.clashes.ClashesGrpc;
import io.rpcvertx.codegen.test.clashes.ClashesServicer;
import io.rpcvertx.codegen.test.outer.DefaultOuter;
import io.rpcvertx.codegen.test.outer.MailboxGrpc;
import io.rpcvertx.codegen.test.routeguide.Point;
import io.rpcvertx.codegen.test.routeguide.RouteGuideGrpc;
import io.rpcvertx.codegen.test.routeguide.RouteGuideServicer;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The compiled generated code of the test protos, without a network. */
@Timeout(10)
class GeneratedCodeTest {
    @Test
    void descriptors_carryNameShapeAndServiceName() {
        assertThat(RouteGuideGrpc.SERVICE_NAME).isEqualTo("routeguide.RouteGuide");
        assertThat(RouteGuideGrpc.GET_FEATURE.fullMethodName()).isEqualTo("routeguide.RouteGuide/GetFeature");
        assertThat(RouteGuideGrpc.GET_FEATURE.type()).isEqualTo(MethodType.UNARY_UNARY);
        assertThat(RouteGuideGrpc.LIST_FEATURES.type()).isEqualTo(MethodType.UNARY_STREAM);
        assertThat(RouteGuideGrpc.RECORD_ROUTE.type()).isEqualTo(MethodType.STREAM_UNARY);
        assertThat(RouteGuideGrpc.ROUTE_CHAT.type()).isEqualTo(MethodType.STREAM_STREAM);
    }

    @Test
    void bindService_schemaIsTheServiceDescriptor() {
        ServiceDefinition definition = RouteGuideGrpc.bindService(new RouteGuideServicer() {});

        assertThat(definition.schema()).containsInstanceOf(Descriptors.ServiceDescriptor.class);
        Descriptors.ServiceDescriptor schema =
                (Descriptors.ServiceDescriptor) definition.schema().orElseThrow();
        assertThat(schema.getFullName()).isEqualTo(RouteGuideGrpc.SERVICE_NAME);
        assertThat(schema.getFile().getName()).isEqualTo("routeguide/route_guide.proto");
        assertThat(definition.blocking().schema()).containsSame(schema);
    }

    @Test
    void marshallers_roundTripProtobuf() {
        Point point = Point.newBuilder().setLatitude(7).setLongitude(-3).build();
        MethodDescriptor<Point, ?> method = RouteGuideGrpc.GET_FEATURE;

        Buffer bytes = method.requestMarshaller().serialize(point);

        assertThat(bytes.getBytes()).isEqualTo(point.toByteArray());
        assertThat(method.requestMarshaller().deserialize(bytes)).isEqualTo(point);
    }

    @Test
    void marshallers_nestedMessageOfOuterClass() {
        DefaultOuter.Envelope.Payload payload =
                DefaultOuter.Envelope.Payload.newBuilder().setText("t").build();

        Buffer bytes = MailboxGrpc.SEND.requestMarshaller().serialize(payload);

        assertThat(MailboxGrpc.SEND.requestMarshaller().deserialize(bytes)).isEqualTo(payload);
    }

    @Test
    void marshallers_haveNoBridgeMethods_theCallLayerCallsThemDirectly() {
        // a bridge is one more frame between the call layer and protobuf's inner loops, which the JIT inlines only up
        // to a fixed depth
        Class<?> marshaller = RouteGuideGrpc.GET_FEATURE.requestMarshaller().getClass();

        assertThat(java.util.Arrays.stream(marshaller.getDeclaredMethods()).filter(java.lang.reflect.Method::isBridge))
                .isEmpty();
        assertThat(marshaller.getDeclaredMethods()).hasSize(6);
    }

    @Test
    void serializeInto_fits_writesWhatToByteArrayReturnsFromTheOffset_nonAsciiToo() {
        DefaultOuter.Envelope.Payload payload = DefaultOuter.Envelope.Payload.newBuilder()
                .setText("h\u00e9llo \u2713 \ud83d\ude00 " + "x".repeat(300))
                .build();
        byte[] expected = payload.toByteArray();
        byte[] out = new byte[expected.length + 7];
        out[0] = 42;
        out[1] = 43;

        int end = MailboxGrpc.SEND.requestMarshaller().serializeInto(payload, out, 2);

        assertThat(end).isEqualTo(2 + expected.length);
        assertThat(java.util.Arrays.copyOfRange(out, 2, end)).isEqualTo(expected);
        assertThat(out[0]).isEqualTo((byte) 42);
        assertThat(out[1]).isEqualTo((byte) 43);
    }

    @Test
    void serializeInto_exactRoom_fits_oneByteLess_returnsMinusOne() {
        DefaultOuter.Envelope.Payload payload = DefaultOuter.Envelope.Payload.newBuilder()
                .setText("\u2713".repeat(100))
                .build();
        int size = payload.getSerializedSize();

        assertThat(MailboxGrpc.SEND.requestMarshaller().serializeInto(payload, new byte[size + 3], 3))
                .isEqualTo(size + 3);
        assertThat(MailboxGrpc.SEND.requestMarshaller().serializeInto(payload, new byte[size + 2], 3))
                .isEqualTo(-1);
        assertThat(MailboxGrpc.SEND.requestMarshaller().serializeInto(payload, new byte[3], 3))
                .isEqualTo(-1);
    }

    @Test
    void marshallers_malformedBytes_failWithIllegalArgument() {
        Buffer garbage = Buffer.buffer(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});

        assertThatThrownBy(() -> RouteGuideGrpc.GET_FEATURE.requestMarshaller().deserialize(garbage))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void bindService_everyRpcRegisteredUnderItsProtoName() {
        ServiceDefinition definition = ClashesGrpc.bindService(new ClashesServicer() {});

        assertThat(definition.serviceName()).isEqualTo("clashes.Clashes");
        assertThat(definition.methods())
                .extracting(MethodDescriptor::methodName)
                .containsExactly(
                        "Import",
                        "Default",
                        "Class",
                        "Yield",
                        "Null",
                        "Default_",
                        "WithCallOptions",
                        "BindService",
                        "NewStub",
                        "ToString",
                        "HashCode",
                        "GetClass",
                        "Equals",
                        "Wait",
                        "Foo_Bar",
                        "FooBar",
                        "ServiceName",
                        "get_http_status",
                        "GetHTTPStatus",
                        "Nothing",
                        "Text",
                        "Old");
        assertThat(ClashesGrpc.SERVICE_NAME_.fullMethodName()).isEqualTo("clashes.Clashes/ServiceName");
        assertThat(ClashesGrpc.FOO_BAR_.fullMethodName()).isEqualTo("clashes.Clashes/FooBar");
    }

    @Test
    void servicerDefaults_failWithUnimplemented() {
        var result = new RouteGuideServicer() {}.getFeature(Point.getDefaultInstance(), null);

        assertThat(result.failed()).isTrue();
        assertThat(result.cause())
                .isInstanceOfSatisfying(
                        io.rpcvertx.RpcException.class,
                        e -> assertThat(e.details())
                                .isEqualTo("Method routeguide.RouteGuide/GetFeature is unimplemented"));
    }
}
