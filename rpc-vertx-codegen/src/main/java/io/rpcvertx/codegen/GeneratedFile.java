package io.rpcvertx.codegen;

/**
 * One generated source file.
 *
 * @param path relative to the output root, {@code io/example/RouteGuideStub.java}
 * @param content the Java source
 */
record GeneratedFile(String path, String content) {}
