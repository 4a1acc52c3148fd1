package io.rpcvertx.examples.helloworld;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.StatusCode;
import io.rpcvertx.testkit.FakeServicerContext;
import io.rpcvertx.testkit.RpcVertxExtension;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The greeter servicer without sockets: through the test kit's in-process extension, and one method on a fake context. */
@Timeout(30)
class GreeterServicerTest {
    @RegisterExtension
    final RpcVertxExtension rpc = RpcVertxExtension.withServices(GreeterGrpc.bindService(new GreeterServerVerticle()));

    static HelloRequest named(String name) {
        return HelloRequest.newBuilder().setName(name).build();
    }

    @Test
    void sayHello_inProcess_greetsByName() throws Exception {
        HelloReply reply = GreeterGrpc.newStub(rpc.channel())
                .sayHello(named("ada"))
                .response()
                .await(5, SECONDS);

        assertThat(reply.getMessage()).isEqualTo("Hello ada");
    }

    @Test
    void sayHelloStreamReply_inProcess_streamsNumberedGreetings() throws Exception {
        var call = GreeterGrpc.newStub(rpc.channel()).sayHelloStreamReply(named("ada"));

        assertThat(call.responses().collect(Collectors.toList()).await(5, SECONDS))
                .extracting(HelloReply::getMessage)
                .containsExactly("Hello ada #1", "Hello ada #2", "Hello ada #3");
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.OK);
    }

    @Test
    void sayHelloStreamReply_fakeContext_writesEachReply() throws Exception {
        FakeServicerContext<HelloRequest, HelloReply> ctx = FakeServicerContext.create();

        StatusCode code = ctx.finish(new GreeterServerVerticle().sayHelloStreamReply(named("bob"), ctx))
                .await(5, SECONDS);

        assertThat(code).isEqualTo(StatusCode.OK);
        assertThat(ctx.writtenResponses())
                .extracting(HelloReply::getMessage)
                .containsExactly("Hello bob #1", "Hello bob #2", "Hello bob #3");
    }

    @Test
    void sayHelloStreamReply_fakeContextCancelled_stopsWriting() throws Exception {
        FakeServicerContext<HelloRequest, HelloReply> ctx = FakeServicerContext.create();
        ctx.cancel();

        StatusCode code = ctx.finish(new GreeterServerVerticle().sayHelloStreamReply(named("bob"), ctx))
                .await(5, SECONDS);

        assertThat(code).isEqualTo(StatusCode.CANCELLED);
        assertThat(ctx.writtenResponses()).isEmpty();
    }
}
