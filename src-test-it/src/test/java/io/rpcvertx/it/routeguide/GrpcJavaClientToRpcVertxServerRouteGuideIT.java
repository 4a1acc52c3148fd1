package io.rpcvertx.it.routeguide;

/** grpc-java's generated stubs against the examples' rpc-vertx route guide server. */
class GrpcJavaClientToRpcVertxServerRouteGuideIT extends RouteGuideContract {
    GrpcJavaClientToRpcVertxServerRouteGuideIT() {
        super(Side.RPC_VERTX, Side.GRPC_JAVA);
    }
}
