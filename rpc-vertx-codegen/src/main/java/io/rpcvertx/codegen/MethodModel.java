package io.rpcvertx.codegen;

/**
 * One RPC of a service, with the Java names the renderer uses.
 *
 * @param protoName the name in the .proto file, {@code GetFeature}
 * @param fullName {@code package.Service/Method}, as sent in the HTTP/2 {@code :path}
 * @param javaName the lowerCamel method name in the stub and servicer, escaped, {@code getFeature}
 * @param constantName the {@code MethodDescriptor} constant, unique within the service, {@code GET_FEATURE}
 * @param requestType the request message class
 * @param responseType the response message class
 * @param clientStreaming whether the client sends a stream of requests
 * @param serverStreaming whether the server sends a stream of responses
 * @param comment the leading comment of the rpc, lines joined with {@code \n}, empty if none
 * @param deprecated whether the rpc is marked {@code deprecated = true}
 */
record MethodModel(
        String protoName,
        String fullName,
        String javaName,
        String constantName,
        MessageType requestType,
        MessageType responseType,
        boolean clientStreaming,
        boolean serverStreaming,
        String comment,
        boolean deprecated) {}
