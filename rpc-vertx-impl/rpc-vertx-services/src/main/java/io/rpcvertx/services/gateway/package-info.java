/**
 * The JSON gateway: a server's protobuf methods on the event bus, at their full method names, for clients outside the
 * JVM (through the SockJS or TCP event-bus bridges) and for any event-bus user. See {@code docs/eventbus-gateway.md}.
 */
@NullMarked
package io.rpcvertx.services.gateway;

import org.jspecify.annotations.NullMarked;
