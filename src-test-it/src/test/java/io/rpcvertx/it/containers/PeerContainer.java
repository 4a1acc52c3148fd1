package io.rpcvertx.it.containers;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.time.Duration;
import java.util.Map;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The examples' {@code route-guide-server} ({@code routeguide.RouteGuide}) in a {@link PeerImage} container, either
 * published on a fixed port of the Docker host's 127.0.0.1 (all its addresses if the engine is remote), or reached at
 * its own address on its network. A fixed port, because a container that leaves its network or restarts is published
 * again: on the same port only if the port was given, and the channel under test keeps its target.
 *
 * <p>The faults act on the container: {@link #pause()} freezes the server process while the kernel keeps the
 * connections open (a peer that stopped answering), {@link #disconnect()} takes it off its network (with Docker's
 * userland proxy, the published port's connections are closed and it refuses new ones; its own address becomes a
 * black hole), {@link #kill()} crashes it.
 */
final class PeerContainer extends GenericContainer<PeerContainer> {
    static final int PORT = 50052;
    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

    private final String name;
    /** Where the published port is reached from here: 127.0.0.1 for a local engine (the port is bound there only). */
    private final String host;

    private final int hostPort;
    private String network;
    private String address;

    /**
     * A peer published on {@code hostPort}, or not published at all if it is 0 (then reach it at {@link #address()} on
     * its network, see {@link #withNetwork}).
     */
    PeerContainer(String image, int hostPort) {
        super(DockerImageName.parse(image));
        this.hostPort = hostPort;
        this.name = hostPort > 0 ? "peer " + hostPort : "peer";
        String dockerHost = getHost();
        boolean local = dockerHost.equals("localhost") || dockerHost.startsWith("127.");
        this.host = local ? "127.0.0.1" : dockerHost;
        String bindIp = local ? "127.0.0.1" : "0.0.0.0";
        withCommand("route-guide-server", "--host=0.0.0.0", "--port=" + PORT, "--grace=0");
        // Netty unpacks its native transport into /tmp and loads it from there; a scratch image has no /tmp
        withTmpFs(Map.of("/tmp", "rw,exec"));
        if (hostPort > 0) {
            withCreateContainerCmdModifier(cmd -> {
                ExposedPort port = ExposedPort.tcp(PORT);
                cmd.withExposedPorts(port);
                cmd.getHostConfig()
                        .withPortBindings(new PortBinding(Ports.Binding.bindIpAndPort(bindIp, hostPort), port));
            });
        }
        withLogConsumer(frame -> {
            String line = frame.getUtf8String().stripTrailing();
            if (!line.isEmpty()) {
                System.out.println("[" + name + "] " + line);
            }
        });
        waitingFor(Wait.forLogMessage(".*route-guide-server listening on .*", 1).withStartupTimeout(STARTUP_TIMEOUT));
    }

    /** The channel target: the published port on the Docker host. */
    String target() {
        if (hostPort == 0) {
            throw new IllegalStateException("target: the peer is not published (use its address())");
        }
        return host + ":" + hostPort;
    }

    /** The container's address on its (only) network, once started: reachable from here only with a local engine. */
    String address() {
        return getContainerInfo()
                .getNetworkSettings()
                .getNetworks()
                .values()
                .iterator()
                .next()
                .getIpAddress();
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

    /**
     * Takes the container off its network; {@link #reconnect()} puts it back, with the same address on a network with
     * a configured subnet (the default bridge picks one itself).
     */
    void disconnect() {
        var networks = docker().inspectContainerCmd(getContainerId())
                .exec()
                .getNetworkSettings()
                .getNetworks();
        network = networks.keySet().iterator().next();
        address = networks.get(network).getIpAddress();
        docker().disconnectFromNetworkCmd()
                .withNetworkId(network)
                .withContainerId(getContainerId())
                .exec();
    }

    void reconnect() {
        var connect = docker().connectToNetworkCmd().withNetworkId(network).withContainerId(getContainerId());
        if (!network.equals("bridge")) {
            connect.withContainerNetwork(
                    new ContainerNetwork().withIpamConfig(new ContainerNetwork.Ipam().withIpv4Address(address)));
        }
        connect.exec();
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
