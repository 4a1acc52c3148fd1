package io.rpcvertx.codegen;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorRequest;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The protoc plugin: reads a {@code CodeGeneratorRequest} from stdin and writes a {@code CodeGeneratorResponse} to
 * stdout, with a {@code FooGrpc}, {@code FooStub} and {@code FooServicer} for every service {@code Foo} of the files
 * to generate, in the package of their message classes. Takes no options. Any failure is reported through the
 * response's {@code error}, which protoc prints; stdout carries nothing but the response.
 *
 * <p>Also runs without protoc on a descriptor set ({@code protoc --descriptor_set_out=F --include_imports
 * --include_source_info}), writing the files under a directory; this module's build uses that for its test protos:
 *
 * <pre>{@code
 * java io.rpcvertx.codegen.Main --descriptor_set_in=F --java_out=DIR [file.proto ...]
 * }</pre>
 *
 * Without file names it generates for every file of the set except the well-known types
 * ({@code google/protobuf/*}).
 */
public final class Main {
    private static final String DESCRIPTOR_SET_IN = "--descriptor_set_in=";
    private static final String JAVA_OUT = "--java_out=";

    private Main() {}

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            runPlugin(System.in, System.out);
        } else {
            runOnDescriptorSet(args);
        }
    }

    /** One plugin run: the request from {@code in}, the response to {@code out}. */
    static void runPlugin(InputStream in, OutputStream out) throws IOException {
        CodeGeneratorResponse response;
        try {
            response = generate(CodeGeneratorRequest.parseFrom(in));
        } catch (IOException e) {
            response = failure("cannot read the CodeGeneratorRequest from stdin: " + e.getMessage());
        }
        response.writeTo(out);
        out.flush();
    }

    /** The response to {@code request}: the generated files, or an error and no files. */
    static CodeGeneratorResponse generate(CodeGeneratorRequest request) {
        try {
            if (!request.getParameter().isEmpty()) {
                throw new IllegalArgumentException(
                        "unknown option \"" + request.getParameter() + "\" (rpc-vertx-codegen takes no options)");
            }
            CodeGeneratorResponse.Builder response = CodeGeneratorResponse.newBuilder()
                    .setSupportedFeatures(CodeGeneratorResponse.Feature.FEATURE_PROTO3_OPTIONAL_VALUE);
            ModelReader reader = new ModelReader(request.getProtoFileList());
            Set<String> paths = new HashSet<>();
            for (String fileName : request.getFileToGenerateList()) {
                for (ServiceModel service : reader.read(fileName)) {
                    for (GeneratedFile file : Renderer.render(service)) {
                        if (!paths.add(file.path())) {
                            throw new IllegalArgumentException(fileName + ": service " + service.fullName()
                                    + " would generate " + file.path() + ", which another service already generates;"
                                    + " rename one of them or set java_package");
                        }
                        response.addFile(CodeGeneratorResponse.File.newBuilder()
                                .setName(file.path())
                                .setContent(file.content()));
                    }
                }
            }
            return response.build();
        } catch (IllegalArgumentException e) {
            return failure(String.valueOf(e.getMessage()));
        } catch (RuntimeException e) {
            // a bug, not a bad input: the trace goes to stderr, which protoc passes through
            e.printStackTrace(System.err);
            return failure("rpc-vertx-codegen failed: " + e);
        }
    }

    private static CodeGeneratorResponse failure(String message) {
        return CodeGeneratorResponse.newBuilder()
                .setSupportedFeatures(CodeGeneratorResponse.Feature.FEATURE_PROTO3_OPTIONAL_VALUE)
                .setError(message)
                .build();
    }

    private static void runOnDescriptorSet(String[] args) throws IOException {
        Path descriptorSet = null;
        Path out = null;
        List<String> files = new ArrayList<>();
        for (String arg : args) {
            if (arg.startsWith(DESCRIPTOR_SET_IN)) {
                descriptorSet = Path.of(arg.substring(DESCRIPTOR_SET_IN.length()));
            } else if (arg.startsWith(JAVA_OUT)) {
                out = Path.of(arg.substring(JAVA_OUT.length()));
            } else if (arg.startsWith("-")) {
                throw new IllegalArgumentException(usage("unknown argument: " + arg));
            } else {
                files.add(arg);
            }
        }
        if (descriptorSet == null || out == null) {
            throw new IllegalArgumentException(usage("both " + DESCRIPTOR_SET_IN + " and " + JAVA_OUT + " are needed"));
        }
        FileDescriptorSet set;
        try (InputStream in = Files.newInputStream(descriptorSet)) {
            set = FileDescriptorSet.parseFrom(in);
        }
        CodeGeneratorResponse response = generate(request(set, files));
        if (response.hasError()) {
            throw new IllegalStateException(response.getError());
        }
        for (CodeGeneratorResponse.File file : response.getFileList()) {
            Path target = out.resolve(file.getName());
            Files.createDirectories(target.getParent());
            Files.writeString(target, file.getContent(), StandardCharsets.UTF_8);
        }
        System.err.println("rpc-vertx-codegen: wrote " + response.getFileCount() + " files to " + out);
    }

    /** The request protoc would send for {@code files} (all but the well-known types if empty) of {@code set}. */
    static CodeGeneratorRequest request(FileDescriptorSet set, List<String> files) {
        CodeGeneratorRequest.Builder request = CodeGeneratorRequest.newBuilder().addAllProtoFile(set.getFileList());
        if (files.isEmpty()) {
            for (FileDescriptorProto file : set.getFileList()) {
                if (!file.getName().startsWith("google/protobuf/")) {
                    request.addFileToGenerate(file.getName());
                }
            }
        } else {
            request.addAllFileToGenerate(files);
        }
        return request.build();
    }

    private static String usage(String problem) {
        return problem + "\nusage: as a protoc plugin, no arguments; or " + DESCRIPTOR_SET_IN + "FILE " + JAVA_OUT
                + "DIR [file.proto ...]";
    }
}
