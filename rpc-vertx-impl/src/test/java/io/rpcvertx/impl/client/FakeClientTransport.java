package io.rpcvertx.impl.client;

import io.rpcvertx.impl.transport.ClientStream;
import io.rpcvertx.impl.transport.ClientTransport;
import io.rpcvertx.impl.transport.RequestHead;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/** A {@link ClientTransport} handing out {@link RecordingClientStream}s, kept in creation order. Owner context. */
final class FakeClientTransport implements ClientTransport {
    final List<RecordingClientStream> streams = new ArrayList<>();
    /** Every stream as it is created, for a test thread to wait on (timers create retry attempts later). */
    final BlockingQueue<RecordingClientStream> created = new LinkedBlockingQueue<>();

    @Override
    public ClientStream newStream(RequestHead head) {
        RecordingClientStream s = new RecordingClientStream(head, false);
        streams.add(s);
        created.add(s);
        return s;
    }

    @Override
    public ClientStream newRetryStream(RequestHead head) {
        RecordingClientStream s = new RecordingClientStream(head, true);
        streams.add(s);
        created.add(s);
        return s;
    }

    RecordingClientStream last() {
        return streams.get(streams.size() - 1);
    }
}
