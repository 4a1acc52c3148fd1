package io.rpcvertx.impl.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.GoAway;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class GoAwayDebugDataTest {

    /** What Vert.x 5.0.10's onGoAwayReceived hands a goAwayHandler: a copy of the frame's slice of the read buffer. */
    private static GoAway received(ByteBuf frame) {
        GoAway fromNetty =
                new GoAway().setErrorCode(0xb).setLastStreamId(3).setDebugData(BufferInternal.buffer(frame.slice()));
        return new GoAway(fromNetty);
    }

    @Test
    void detach_vertxCopyOfPooledDebugData_releasedAndContentKept() {
        ByteBuf frame = PooledByteBufAllocator.DEFAULT
                .directBuffer()
                .writeBytes("too_many_pings".getBytes(StandardCharsets.UTF_8));
        GoAway handed = received(frame);
        ByteBuf copy = ((BufferInternal) handed.getDebugData()).getByteBuf().unwrap();
        assertThat(copy.refCnt()).as("Vert.x's copy, before").isEqualTo(1);

        GoAway detached = GoAwayDebugData.detach(handed);

        assertThat(detached).isSameAs(handed);
        assertThat(copy.refCnt()).as("Vert.x's copy, released").isZero();
        assertThat(detached.getDebugData().toString(StandardCharsets.UTF_8)).isEqualTo("too_many_pings");
        assertThat(detached.getErrorCode()).isEqualTo(0xb);
        assertThat(detached.getLastStreamId()).isEqualTo(3);
        assertThat(frame.refCnt()).as("the frame itself is Netty's").isEqualTo(1);
        frame.release();
    }

    @Test
    void detach_emptyAndMissingDebugData_noFailure() {
        ByteBuf frame = PooledByteBufAllocator.DEFAULT.directBuffer();
        GoAway empty = GoAwayDebugData.detach(received(frame));
        assertThat(empty.getDebugData().length()).isZero();
        frame.release();

        GoAway none = GoAwayDebugData.detach(new GoAway().setErrorCode(0));
        assertThat(none.getDebugData()).isNull();
        assertThat(GoAwayDebugData.detach(new GoAway().setDebugData(Buffer.buffer("heap")))
                        .getDebugData()
                        .toString())
                .isEqualTo("heap");
    }
}
