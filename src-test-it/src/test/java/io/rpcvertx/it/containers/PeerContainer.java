package io.rpcvertx.it.containers;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.time.Duration;
import java.util.Map;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The examples' {@code route-guide-server} ({@code routeguide.RouteGuide}) in a {@link PeerImage} container, published on a fixed port of the
 * Docker host's 127.0.0.1 (all its addresses if the engine is remote). A fixed port, because a container that leaves its network or restarts is published again:
 * on the same port only if the port was given, and the channel under test keeps its target.
 *
 * <p>The faults act on the container: {@link #pause()} freezes the server process while the kernel keeps the
 * connections open (a peer that stopped answering), {@link #disconnect()} takes it off its network (with Docker's
 * userland proxy, the published port's connections are closed and it refuses new ones), {@link #kill()} crashes it.
 */
final class PeerContainer extends GenericContainer<PeerContainer> {
    static final int PORT = 50052;
    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

    private final int hostPort;
    /** Where the published port is reached from here: 127.0.0.1 for a local engine (the port is bound there only). */
    private final String host;

    private String network;

    PeerContainer(String image, int hostPort) {
        super(DockerImageName.parse(image));
        this.hostPort = hostPort;
        String dockerHost = getHost();
        boolean local = dockerHost.equals("localhost") || dockerHost.startsWith("127.");
        this.host = local ? "127.0.0.1" : dockerHost;
        String bindIp = local ? "127.0.0.1" : "0.0.0.0";
        withCommand("route-guide-server", "--host=0.0.0.0", "--port=" + PORT, "--grace=0");
        // Netty unpacks its native transport into /tmp and loads it from there; a scratch image has no /tmp
        withTmpFs(Map.of("/tmp", "rw,exec"));
        withCreateContainerCmdModifier(cmd -> {
            ExposedPort port = ExposedPort.tcp(PORT);
            cmd.withExposedPorts(port);
            cmd.getHostConfig().withPortBindings(new PortBinding(Ports.Binding.bindIpAndPort(bindIp, hostPort), port));
        });
        withLogConsumer(frame -> {
            String line = frame.getUtf8String().stripTrailing();
            if (!line.isEmpty()) {
                System.out.println("[peer " + hostPort + "] " + line);
            }
        });
        waitingFor(Wait.forLogMessage(".*route-guide-server listening on .*", 1).withStartupTimeout(STARTUP_TIMEOUT));
    }

    /** The channel target: the published port on the Docker host. */
    String target() {
        return host + ":" + hostPort;
    }

    private DockerClient docker() {
        return getDockerClient();
    }

    void pause() {
        docker().pauseContainerCmd(getContainerId()).exec();
    }

    void unpause() {
        docker().unpauseContainerCmd(getContainerId()).exec();
    }

    boolean isPaused() {
        return Boolean.TRUE.equals(
                docker().inspectContainerCmd(getContainerId()).exec().getState().getPaused());
    }

    /** Takes the container off its network; {@link #reconnect()} puts it back. */
    void disconnect() {
        network = getContainerInfo()
                .getNetworkSettings()
                .getNetworks()
                .keySet()
                .iterator()
                .next();
        docker().disconnectFromNetworkCmd()
                .withNetworkId(network)
                .withContainerId(getContainerId())
                .exec();
    }

    void reconnect() {
        docker().connectToNetworkCmd()
                .withNetworkId(network)
                .withContainerId(getContainerId())
                .exec();
    }

    /** SIGKILL: the server dies without a GOAWAY; {@link #restart()} starts the same container again. */
    void kill() {
        docker().killContainerCmd(getContainerId()).exec();
    }

    void restart() {
        docker().startContainerCmd(getContainerId()).exec();
    }

    /** Stops and removes the container, unpausing it first (a paused container cannot be stopped). */
    @Override
    public void stop() {
        if (getContainerId() != null && isPaused()) {
            unpause();
        }
        super.stop();
    }
}
