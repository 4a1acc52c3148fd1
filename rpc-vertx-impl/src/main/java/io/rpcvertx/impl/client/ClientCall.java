package io.rpcvertx.impl.client;

import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.UnaryStreamCall;
import io.rpcvertx.UnaryUnaryCall;

/**
 * A client call of any shape: every call object of this package implements all four call types, and the methods that
 * do not fit the method's shape throw {@link IllegalStateException}. The multi-callables hand it out typed as their
 * shape.
 */
interface ClientCall<Req, Resp>
        extends UnaryUnaryCall<Req, Resp>,
                UnaryStreamCall<Req, Resp>,
                StreamUnaryCall<Req, Resp>,
                StreamStreamCall<Req, Resp> {}
