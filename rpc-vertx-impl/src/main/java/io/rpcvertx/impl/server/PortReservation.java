package io.rpcvertx.impl.server;

import io.vertx.core.net.SocketAddress;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An address held from {@code addInsecurePort} until {@code start()} without accepting connections on it: an open port
 * is taken for a ready server by clients and orchestrators, so nothing may connect before the IO verticles serve (as in
 * grpc-java, which binds only in {@code start()}; we must bind earlier to report the port).
 *
 * <p>TCP: a socket bound but never listening, so a connect is refused. It binds without {@code SO_REUSEADDR}, so a
 * port in use (listening, or held by another reservation) fails here as a listen would, and then sets it, so that the
 * IO servers (which bind with {@code SO_REUSEADDR}) can listen on the port while it is still held; it is released only
 * after that, so no other process can take the port in between. Unix domain socket: the socket file, bound and not
 * listening; released (file deleted) just before the IO servers listen, which need the path free.
 */
final class PortReservation implements Closeable {
    private final Closeable socket;
    private final int port;
    private final String udsPath;
    private boolean released;

    private PortReservation(Closeable socket, int port, String udsPath) {
        this.socket = socket;
        this.port = port;
        this.udsPath = udsPath;
    }

    /** Binds {@code address} (blocking, but only a local bind); {@code IOException} if it is in use. */
    static PortReservation bind(SocketAddress address) throws IOException {
        if (address.isDomainSocket()) {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.bind(UnixDomainSocketAddress.of(address.path()));
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            return new PortReservation(channel, -1, address.path());
        }
        Socket socket = new Socket();
        try {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(address.host(), address.port()));
            socket.setReuseAddress(true);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        return new PortReservation(socket, socket.getLocalPort(), "");
    }

    /** The bound TCP port (-1 for a Unix domain socket). */
    int port() {
        return port;
    }

    /** Called just before the IO servers listen: a Unix domain socket's path must be free for them. */
    void beforeListen() throws IOException {
        if (!udsPath.isEmpty()) {
            close();
        }
    }

    @Override
    public void close() throws IOException {
        if (released) {
            return; // a Unix domain socket's path belongs to the IO servers now
        }
        released = true;
        socket.close();
        if (!udsPath.isEmpty()) {
            Files.deleteIfExists(Path.of(udsPath));
        }
    }
}
