package io.rpcvertx.it.routeguide;

/** A route guide server listening on 127.0.0.1. */
interface RouteGuideServer {
    /** The bound port. */
    int port();

    /** Stops the server and waits until it has stopped. */
    void close() throws Exception;
}
