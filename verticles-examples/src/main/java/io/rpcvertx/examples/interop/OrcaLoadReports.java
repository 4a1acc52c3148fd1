package io.rpcvertx.examples.interop;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.rpcvertx.examples.interop.proto.Messages.TestOrcaReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The per-call ORCA load report of the {@code orca_per_rpc} case (gRFC A51): the {@value #TRAILER} trailer, an
 * {@code xds.data.orca.v3.OrcaLoadReport}. Only the fields a {@code TestOrcaReport} carries are written and read:
 * {@code cpu_utilization} (1), {@code mem_utilization} (2), {@code request_cost} (4) and {@code utilization} (5), both
 * maps of string to double; other fields are skipped. Hand-coded, to avoid depending on the xDS protos for four fields.
 */
final class OrcaLoadReports {
    static final String TRAILER = "endpoint-load-metrics-bin";

    private static final int CPU_UTILIZATION = 1;
    private static final int MEM_UTILIZATION = 2;
    private static final int REQUEST_COST = 4;
    private static final int UTILIZATION = 5;
    private static final int ENTRY_KEY = 1;
    private static final int ENTRY_VALUE = 2;

    private OrcaLoadReports() {}

    /** The {@code OrcaLoadReport} bytes of {@code report} (proto3: zero values left out). */
    static byte[] encode(TestOrcaReport report) {
        int size = 0;
        if (report.getCpuUtilization() != 0) {
            size += CodedOutputStream.computeDoubleSize(CPU_UTILIZATION, report.getCpuUtilization());
        }
        if (report.getMemoryUtilization() != 0) {
            size += CodedOutputStream.computeDoubleSize(MEM_UTILIZATION, report.getMemoryUtilization());
        }
        size += mapSize(REQUEST_COST, report.getRequestCostMap()) + mapSize(UTILIZATION, report.getUtilizationMap());
        byte[] bytes = new byte[size];
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            if (report.getCpuUtilization() != 0) {
                out.writeDouble(CPU_UTILIZATION, report.getCpuUtilization());
            }
            if (report.getMemoryUtilization() != 0) {
                out.writeDouble(MEM_UTILIZATION, report.getMemoryUtilization());
            }
            writeMap(out, REQUEST_COST, report.getRequestCostMap());
            writeMap(out, UTILIZATION, report.getUtilizationMap());
            out.checkNoSpaceLeft();
        } catch (IOException e) {
            // only an array of the computed size is written to
            throw new UncheckedIOException(e);
        }
        return bytes;
    }

    /**
     * The {@code TestOrcaReport} fields of an {@code OrcaLoadReport}.
     *
     * @throws InvalidProtocolBufferException when {@code bytes} is not a valid message
     */
    static TestOrcaReport decode(byte[] bytes) throws InvalidProtocolBufferException {
        TestOrcaReport.Builder report = TestOrcaReport.newBuilder();
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        try {
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                switch (tag) {
                    case (CPU_UTILIZATION << 3) | WireFormat.WIRETYPE_FIXED64 ->
                        report.setCpuUtilization(in.readDouble());
                    case (MEM_UTILIZATION << 3) | WireFormat.WIRETYPE_FIXED64 ->
                        report.setMemoryUtilization(in.readDouble());
                    case (REQUEST_COST << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED ->
                        readEntry(in, report::putRequestCost);
                    case (UTILIZATION << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED ->
                        readEntry(in, report::putUtilization);
                    default -> in.skipField(tag);
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidProtocolBufferException(e);
        }
        return report.build();
    }

    private static int entrySize(String key, double value) {
        return CodedOutputStream.computeStringSize(ENTRY_KEY, key)
                + CodedOutputStream.computeDoubleSize(ENTRY_VALUE, value);
    }

    private static int mapSize(int field, Map<String, Double> map) {
        int size = 0;
        for (Map.Entry<String, Double> entry : map.entrySet()) {
            int entrySize = entrySize(entry.getKey(), entry.getValue());
            size += CodedOutputStream.computeTagSize(field)
                    + CodedOutputStream.computeUInt32SizeNoTag(entrySize)
                    + entrySize;
        }
        return size;
    }

    private static void writeMap(CodedOutputStream out, int field, Map<String, Double> map) throws IOException {
        for (Map.Entry<String, Double> entry : map.entrySet()) {
            out.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(entrySize(entry.getKey(), entry.getValue()));
            out.writeString(ENTRY_KEY, entry.getKey());
            out.writeDouble(ENTRY_VALUE, entry.getValue());
        }
    }

    private static void readEntry(CodedInputStream in, BiConsumer<String, Double> put) throws IOException {
        int limit = in.pushLimit(in.readRawVarint32());
        String key = "";
        double value = 0;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag) {
                case (ENTRY_KEY << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED -> key = in.readStringRequireUtf8();
                case (ENTRY_VALUE << 3) | WireFormat.WIRETYPE_FIXED64 -> value = in.readDouble();
                default -> in.skipField(tag);
            }
        }
        in.popLimit(limit);
        put.accept(key, value);
    }
}
