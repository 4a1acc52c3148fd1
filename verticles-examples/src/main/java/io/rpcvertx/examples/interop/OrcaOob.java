package io.rpcvertx.examples.interop;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.rpcvertx.examples.interop.proto.Messages.TestOrcaReport;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Out-of-band ORCA load reports for the {@code orca_oob} case (gRFC A51): the server's {@code
 * xds.service.orca.v3.OpenRcaService/StreamCoreMetrics}, which streams the server's current load report every
 * requested interval (at least {@link #MIN_INTERVAL}, as grpc-java's interop server), and the report itself, which
 * {@code FullDuplexCall} requests with {@code orca_oob_report} replace. As in grpc-java's interop server, one
 * {@code FullDuplexCall} at a time may set reports: the first such request of a call takes a lock the call holds until
 * it ends, so concurrent {@code orca_oob} clients do not see each other's reports.
 *
 * <p>The messages are hand-coded: {@code OrcaLoadReportRequest} is {@code report_interval} (1, a
 * {@code google.protobuf.Duration}) and {@code request_cost_names} (2, ignored); the reports are
 * {@link OrcaLoadReports}.
 */
final class OrcaOob {
    static final String SERVICE = "xds.service.orca.v3.OpenRcaService";
    static final Duration MIN_INTERVAL = Duration.ofSeconds(1);

    static final MethodDescriptor<Duration, TestOrcaReport> STREAM_CORE_METRICS = MethodDescriptor.of(
            MethodType.UNARY_STREAM,
            SERVICE + "/StreamCoreMetrics",
            Marshaller.of(OrcaOob::encodeRequest, OrcaOob::decodeRequest),
            Marshaller.of(report -> Buffer.buffer(OrcaLoadReports.encode(report)), OrcaOob::decodeReport));

    private final Vertx vertx;
    private volatile TestOrcaReport report = TestOrcaReport.getDefaultInstance();
    /** Guarded by {@code this}: whether a call holds the lock, and the calls waiting for it. */
    private boolean held;

    private final Deque<Promise<Void>> waiting = new ArrayDeque<>();

    OrcaOob(Vertx vertx) {
        this.vertx = vertx;
    }

    /** The {@code OpenRcaService} to add to a server. */
    ServiceDefinition service() {
        return ServiceDefinition.of(
                SERVICE, RpcMethodHandler.unaryStream(STREAM_CORE_METRICS, this::streamCoreMetrics));
    }

    /**
     * Sets the report for the call of {@code context}, taking the lock first if the call does not hold it yet
     * ({@code holds[0]}); the lock goes back when the call ends.
     */
    Future<Void> setReport(TestOrcaReport next, ServicerContext<?, ?> context, boolean[] holds) {
        if (holds[0]) {
            report = next;
            return Future.succeededFuture();
        }
        Promise<Void> turn = Promise.promise();
        boolean now;
        synchronized (this) {
            now = !held;
            if (now) {
                held = true;
            } else {
                waiting.add(turn);
            }
        }
        if (now) {
            turn.complete();
        }
        context.addDoneCallback(v -> {
            boolean queued;
            synchronized (this) {
                queued = waiting.remove(turn);
            }
            if (queued) {
                turn.tryFail(new RpcException(StatusCode.CANCELLED, "the call ended waiting for the ORCA lock"));
            } else if (turn.future().succeeded()) {
                release();
            }
        });
        return turn.future().map(v -> {
            holds[0] = true;
            report = next;
            return null;
        });
    }

    private void release() {
        Promise<Void> next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                held = false;
            }
        }
        if (next != null) {
            next.complete();
        }
    }

    /** Sends the current report at once and then every interval, until the call ends. */
    private Future<Void> streamCoreMetrics(Duration interval, ServicerContext<Duration, TestOrcaReport> context) {
        Duration every = interval.compareTo(MIN_INTERVAL) < 0 ? MIN_INTERVAL : interval;
        Promise<Void> ended = Promise.promise();
        context.write(report);
        long timer = vertx.setPeriodic(every.toMillis(), id -> {
            if (!context.responses().writeQueueFull()) {
                context.write(report);
            }
        });
        context.addDoneCallback(v -> {
            vertx.cancelTimer(timer);
            ended.tryComplete();
        });
        return ended.future();
    }

    static Buffer encodeRequest(Duration interval) {
        int durationSize = CodedOutputStream.computeInt64Size(1, interval.getSeconds())
                + CodedOutputStream.computeInt32Size(2, interval.getNano());
        byte[] bytes = new byte
                [CodedOutputStream.computeTagSize(1)
                        + CodedOutputStream.computeUInt32SizeNoTag(durationSize)
                        + durationSize];
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            out.writeTag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(durationSize);
            out.writeInt64(1, interval.getSeconds());
            out.writeInt32(2, interval.getNano());
            out.checkNoSpaceLeft();
        } catch (IOException e) {
            // only an array of the computed size is written to
            throw new UncheckedIOException(e);
        }
        return Buffer.buffer(bytes);
    }

    /** The report interval of an {@code OrcaLoadReportRequest} (zero when absent). */
    static Duration decodeRequest(Buffer data) {
        CodedInputStream in = CodedInputStream.newInstance(data.getBytes());
        long seconds = 0;
        int nanos = 0;
        try {
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (tag != ((1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED)) {
                    in.skipField(tag);
                    continue;
                }
                int limit = in.pushLimit(in.readRawVarint32());
                for (int field = in.readTag(); field != 0; field = in.readTag()) {
                    switch (field) {
                        case (1 << 3) | WireFormat.WIRETYPE_VARINT -> seconds = in.readInt64();
                        case (2 << 3) | WireFormat.WIRETYPE_VARINT -> nanos = in.readInt32();
                        default -> in.skipField(field);
                    }
                }
                in.popLimit(limit);
            }
        } catch (IOException e) {
            throw new RpcException(StatusCode.INTERNAL, "malformed OrcaLoadReportRequest: " + e.getMessage());
        }
        if (seconds < 0 || nanos < 0) {
            throw new RpcException(StatusCode.INVALID_ARGUMENT, "negative report_interval");
        }
        return Duration.ofSeconds(seconds, nanos);
    }

    private static TestOrcaReport decodeReport(Buffer data) {
        try {
            return OrcaLoadReports.decode(data.getBytes());
        } catch (InvalidProtocolBufferException e) {
            throw new RpcException(StatusCode.INTERNAL, "malformed OrcaLoadReport: " + e.getMessage());
        }
    }
}
