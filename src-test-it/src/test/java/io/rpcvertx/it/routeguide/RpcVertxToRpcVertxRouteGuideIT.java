package io.rpcvertx.it.routeguide;

/** The generated rpc-vertx stub against the generated rpc-vertx servicer. */
class RpcVertxToRpcVertxRouteGuideIT extends RouteGuideContract {
    RpcVertxToRpcVertxRouteGuideIT() {
        super(Side.RPC_VERTX, Side.RPC_VERTX);
    }
}
