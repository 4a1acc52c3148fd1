/**
 * Testing servicers without sockets: {@link io.rpcvertx.testkit.RpcVertxExtension} runs services on the in-process
 * transport for a JUnit 5 test and fails the test on calls left open; {@link io.rpcvertx.testkit.FakeServicerContext}
 * drives one servicer method with no transport at all.
 */
@NullMarked
package io.rpcvertx.testkit;

import org.jspecify.annotations.NullMarked;
