/**
 * rpc-vertx implementation: the event-bus transport. A channel and a server exchange gRPC calls as event-bus messages
 * (local, or across a clustered event bus): the same header maps and framed messages as over HTTP/2, one call per
 * conversation between a channel's address and one server IO instance's address, paced by message credit. The wire
 * protocol is written down in {@code docs/eventbus-protocol.md}.
 */
@NullMarked
package io.rpcvertx.impl.eventbus;

import org.jspecify.annotations.NullMarked;
