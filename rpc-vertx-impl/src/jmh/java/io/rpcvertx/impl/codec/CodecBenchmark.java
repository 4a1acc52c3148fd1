package io.rpcvertx.impl.codec;

import io.rpcvertx.Metadata;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/** Per-call costs of the L1 codec: framing, deframing (whole and split), metadata, status text, grpc-timeout. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
    @Param({"100", "1024"})
    int size;

    Buffer payload;
    Buffer framed;
    Buffer firstHalf;
    Buffer secondHalf;
    Metadata metadata;
    MultiMap headers;

    @Setup
    public void setUp() {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) ('a' + i % 26);
        }
        payload = Buffer.buffer(bytes);
        framed = Buffer.buffer().appendByte((byte) 0).appendInt(size).appendBytes(bytes);
        firstHalf = framed.slice(0, framed.length() / 2).copy();
        secondHalf = framed.slice(framed.length() / 2, framed.length()).copy();
        metadata = Metadata.builder()
                .add("x-request-id", "4f2b9c")
                .add("x-tenant", "acme")
                .addBinary("trace-bin", new byte[] {1, 2, 3, 4, 5, 6, 7, 8})
                .build();
        headers = HeadersMultiMap.httpHeaders();
        MetadataCodec.toHeaders(metadata, headers);
        headers.add("content-type", "application/grpc").add("te", "trailers").add("grpc-timeout", "99m");
    }

    @Benchmark
    public Buffer frame() {
        return MessageFramer.frame(payload, false);
    }

    @Benchmark
    public void deframeWhole(Blackhole bh) {
        new MessageDeframer(4 * 1024 * 1024, Encoding.IDENTITY).update(framed, bh::consume);
    }

    @Benchmark
    public void deframeSplit(Blackhole bh) {
        MessageDeframer d = new MessageDeframer(4 * 1024 * 1024, Encoding.IDENTITY);
        d.update(firstHalf, bh::consume);
        d.update(secondHalf, bh::consume);
    }

    @Benchmark
    public MultiMap metadataEncode() {
        MultiMap out = HeadersMultiMap.httpHeaders();
        MetadataCodec.toHeaders(metadata, out);
        return out;
    }

    @Benchmark
    public Metadata metadataDecode() {
        return MetadataCodec.fromHeaders(headers);
    }

    @Benchmark
    public String statusMessageAscii() {
        return StatusMessages.encode("Method not found: bench.Echo/Nope");
    }

    @Benchmark
    public String statusMessageUnicodeRoundTrip() {
        return StatusMessages.decode(StatusMessages.encode("dénié ✓ 100% \n"));
    }

    @Benchmark
    public String timeoutFormat() {
        return GrpcTimeout.format(4_999_123_456L);
    }

    @Benchmark
    public long timeoutParse() {
        return GrpcTimeout.parseNanos("4999124u");
    }
}
