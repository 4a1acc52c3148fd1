package io.rpcvertx.it.routeguide;

/** The control: grpc-java on both sides, showing that the expectations are not specific to rpc-vertx. */
class GrpcJavaToGrpcJavaRouteGuideIT extends RouteGuideContract {
    GrpcJavaToGrpcJavaRouteGuideIT() {
        super(Side.GRPC_JAVA, Side.GRPC_JAVA);
    }
}
