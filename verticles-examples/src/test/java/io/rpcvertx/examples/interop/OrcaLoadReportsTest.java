package io.rpcvertx.examples.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.rpcvertx.examples.interop.proto.Messages.TestOrcaReport;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class OrcaLoadReportsTest {
    private static final TestOrcaReport REPORT = TestOrcaReport.newBuilder()
            .setCpuUtilization(0.8210)
            .setMemoryUtilization(0.5847)
            .putRequestCost("cost", 3456.32)
            .putRequestCost("other", 1)
            .putUtilization("util", 0.30499)
            .build();

    @Test
    void encodeThenDecode_sameReport() throws Exception {
        assertThat(OrcaLoadReports.decode(OrcaLoadReports.encode(REPORT))).isEqualTo(REPORT);
    }

    @Test
    void encode_emptyReport_noBytes() throws Exception {
        assertThat(OrcaLoadReports.encode(TestOrcaReport.getDefaultInstance())).isEmpty();
        assertThat(OrcaLoadReports.decode(new byte[0])).isEqualTo(TestOrcaReport.getDefaultInstance());
    }

    /** OrcaLoadReport's numbering: cpu 1, mem 2, request_cost 4, utilization 5 (TestOrcaReport has 1, 2, 3, 4). */
    @Test
    void encode_usesOrcaLoadReportFieldNumbers() throws Exception {
        TestOrcaReport report = TestOrcaReport.newBuilder()
                .setCpuUtilization(0.5)
                .putUtilization("u", 0.25)
                .build();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(expected);
        out.writeDouble(1, 0.5);
        out.writeTag(5, 2);
        out.writeUInt32NoTag(
                CodedOutputStream.computeStringSize(1, "u") + CodedOutputStream.computeDoubleSize(2, 0.25));
        out.writeString(1, "u");
        out.writeDouble(2, 0.25);
        out.flush();

        assertThat(OrcaLoadReports.encode(report)).isEqualTo(expected.toByteArray());
    }

    /** What grpc-java's server may add: rps (3), rps_fractional (6), eps (7), named_metrics (8), app utilization (9). */
    @Test
    void decode_otherOrcaFields_skipped() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeUInt64(3, 12);
        out.writeDouble(6, 1.5);
        out.writeDouble(7, 0.1);
        out.writeTag(8, 2);
        out.writeUInt32NoTag(CodedOutputStream.computeStringSize(1, "n") + CodedOutputStream.computeDoubleSize(2, 2));
        out.writeString(1, "n");
        out.writeDouble(2, 2);
        out.writeDouble(9, 0.7);
        out.writeRawBytes(OrcaLoadReports.encode(REPORT));
        out.flush();

        assertThat(OrcaLoadReports.decode(bytes.toByteArray())).isEqualTo(REPORT);
    }

    @Test
    void decode_truncated_failsInvalidProtocolBuffer() {
        byte[] encoded = OrcaLoadReports.encode(REPORT);
        byte[] truncated = java.util.Arrays.copyOf(encoded, encoded.length - 3);

        assertThatThrownBy(() -> OrcaLoadReports.decode(truncated)).isInstanceOf(InvalidProtocolBufferException.class);
    }
}
