package io.rpcvertx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class StatsValuesTest {
    @Test
    void callCounts_negativeCount_throwsIllegalArgument() {
        assertThatThrownBy(() -> new CallCounts(-1, 0, 0, Instant.EPOCH))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("counts: -1/0/0 (expected: >= 0)");
        assertThatThrownBy(() -> new CallCounts(0, 0, 0, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void channelStats_subchannelList_isCopiedAndUnmodifiable() {
        List<SubchannelStats> subchannels = new ArrayList<>();
        subchannels.add(new SubchannelStats("127.0.0.1:1", ChannelConnectivity.READY, CallCounts.NONE));
        ChannelStats stats = new ChannelStats("t", ChannelConnectivity.READY, CallCounts.NONE, subchannels);
        subchannels.clear();
        assertThat(stats.subchannels()).hasSize(1);
        assertThatThrownBy(() -> stats.subchannels().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void serverStats_equalByValue() {
        assertThat(new ServerStats(CallCounts.NONE, List.of("127.0.0.1:1")))
                .isEqualTo(new ServerStats(new CallCounts(0, 0, 0, Instant.EPOCH), List.of("127.0.0.1:1")));
    }
}
