package io.rpcvertx.codegen;

import java.util.List;

/**
 * One service of a .proto file and everything needed to render its Java classes.
 *
 * @param protoFile the file's path as protoc names it, {@code routeguide/route_guide.proto}
 * @param protoPackage the proto package, possibly empty
 * @param name the service name, {@code RouteGuide}
 * @param fullName {@code package.Service}, or just the name without a package
 * @param javaPackage where the classes go: the messages' package ({@code java_package}, else the proto package)
 * @param comment the leading comment of the service, lines joined with {@code \n}, empty if none
 * @param deprecated whether the service is marked {@code deprecated = true}
 * @param methods the rpcs, in declaration order
 * @param outerClassName the simple name of the class protoc generates for the file in {@code javaPackage}, whose
 *     {@code getDescriptor()} holds the service's schema; empty for a file that protoc generates in lite mode
 *     ({@code optimize_for = LITE_RUNTIME}), which has no descriptors
 */
record ServiceModel(
        String protoFile,
        String protoPackage,
        String name,
        String fullName,
        String javaPackage,
        String comment,
        boolean deprecated,
        List<MethodModel> methods,
        String outerClassName) {
    ServiceModel {
        methods = List.copyOf(methods);
    }

    /** {@code FooGrpc}: descriptors and server registration. */
    String grpcClassName() {
        return name + "Grpc";
    }

    /** {@code FooStub}: the client. */
    String stubClassName() {
        return name + "Stub";
    }

    /** {@code FooServicer}: the server interface. */
    String servicerClassName() {
        return name + "Servicer";
    }

    /** The three generated class names. */
    List<String> generatedClassNames() {
        return List.of(grpcClassName(), stubClassName(), servicerClassName());
    }

    /**
     * Whether the generated code refers to something deprecated (the service, an rpc or a message class), so javac
     * would warn unless the generated types suppress it.
     */
    boolean usesDeprecated() {
        if (deprecated) {
            return true;
        }
        for (MethodModel m : methods) {
            if (m.deprecated()
                    || m.requestType().deprecated()
                    || m.responseType().deprecated()) {
                return true;
            }
        }
        return false;
    }
}
