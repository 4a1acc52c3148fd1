package io.rpcvertx.codegen;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileOptions;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns file descriptors into {@link ServiceModel}s: resolves the Java class of every message the way protoc's Java
 * generator names it, picks escaped Java names for the rpcs, and collects comments and {@code deprecated} options.
 *
 * <p>Fails with {@link IllegalArgumentException} (the message is shown to the protoc user) when a message type is
 * unknown or a generated class would clash with a class protoc generates in the same package.
 */
final class ModelReader {
    // field numbers in descriptor.proto, for SourceCodeInfo paths
    private static final int FILE_SERVICE = 6;
    private static final int SERVICE_METHOD = 2;

    private final Map<String, FileDescriptorProto> filesByName = new LinkedHashMap<>();
    /** Keyed by the fully-qualified proto name with its leading dot, as in {@code input_type}: {@code .pkg.Outer.Inner}. */
    private final Map<String, MessageType> messages = new HashMap<>();
    /** Top-level classes protoc generates, by Java package, then simple name, to a description for errors. */
    private final Map<String, Map<String, String>> protocClasses = new HashMap<>();

    /** A reader over these files: the ones to generate and everything they import. */
    ModelReader(List<FileDescriptorProto> files) {
        for (FileDescriptorProto file : files) {
            filesByName.put(file.getName(), file);
            index(file);
        }
    }

    /** The services of {@code fileName}, in declaration order. */
    List<ServiceModel> read(String fileName) {
        FileDescriptorProto file = filesByName.get(fileName);
        if (file == null) {
            throw new IllegalArgumentException(fileName + ": not among the request's proto files");
        }
        Map<List<Integer>, String> comments = leadingComments(file.getSourceCodeInfo());
        String javaPackage = JavaNames.javaPackage(file);
        List<ServiceModel> services = new ArrayList<>();
        for (int s = 0; s < file.getServiceCount(); s++) {
            ServiceDescriptorProto service = file.getService(s);
            String fullName = qualify(file.getPackage(), service.getName());
            Set<String> javaNames = new HashSet<>();
            Set<String> constantNames = new HashSet<>();
            List<MethodModel> methods = new ArrayList<>();
            for (int m = 0; m < service.getMethodCount(); m++) {
                MethodDescriptorProto method = service.getMethod(m);
                String where = fileName + ": rpc " + fullName + "/" + method.getName();
                methods.add(new MethodModel(
                        method.getName(),
                        fullName + "/" + method.getName(),
                        unique(escapeMethodName(JavaNames.lowerCamel(method.getName())), javaNames),
                        unique(escapeConstantName(JavaNames.upperSnake(method.getName())), constantNames),
                        message(method.getInputType(), where),
                        message(method.getOutputType(), where),
                        method.getClientStreaming(),
                        method.getServerStreaming(),
                        comments.getOrDefault(List.of(FILE_SERVICE, s, SERVICE_METHOD, m), ""),
                        method.getOptions().getDeprecated()));
            }
            ServiceModel model = new ServiceModel(
                    fileName,
                    file.getPackage(),
                    service.getName(),
                    fullName,
                    javaPackage,
                    comments.getOrDefault(List.of(FILE_SERVICE, s), ""),
                    service.getOptions().getDeprecated(),
                    methods,
                    file.getOptions().getOptimizeFor() == FileOptions.OptimizeMode.LITE_RUNTIME
                            ? ""
                            : JavaNames.outerClassName(file));
            checkNoClash(model);
            services.add(model);
        }
        return services;
    }

    private void index(FileDescriptorProto file) {
        String javaPackage = JavaNames.javaPackage(file);
        String outer = JavaNames.outerClassName(file);
        boolean multipleFiles = file.getOptions().getJavaMultipleFiles();
        boolean fileDeprecated = file.getOptions().getDeprecated();
        Map<String, String> classes = protocClasses.computeIfAbsent(javaPackage, p -> new HashMap<>());
        classes.putIfAbsent(outer, "the outer class of " + file.getName());
        List<String> enclosing = multipleFiles ? List.of() : List.of(outer);
        String protoPrefix = file.getPackage().isEmpty() ? "." : "." + file.getPackage() + ".";
        for (DescriptorProto message : file.getMessageTypeList()) {
            if (multipleFiles) {
                classes.putIfAbsent(message.getName(), "message " + protoPrefix.substring(1) + message.getName());
            }
            index(message, javaPackage, enclosing, protoPrefix, fileDeprecated);
        }
        if (multipleFiles) {
            for (EnumDescriptorProto e : file.getEnumTypeList()) {
                classes.putIfAbsent(e.getName(), "enum " + protoPrefix.substring(1) + e.getName());
            }
        }
    }

    private void index(
            DescriptorProto message,
            String javaPackage,
            List<String> enclosing,
            String protoPrefix,
            boolean enclosingDeprecated) {
        List<String> names = new ArrayList<>(enclosing);
        names.add(message.getName());
        boolean deprecated = enclosingDeprecated || message.getOptions().getDeprecated();
        messages.put(protoPrefix + message.getName(), new MessageType(javaPackage, names, deprecated));
        for (DescriptorProto nested : message.getNestedTypeList()) {
            index(nested, javaPackage, names, protoPrefix + message.getName() + ".", deprecated);
        }
    }

    private MessageType message(String protoType, String where) {
        MessageType type = messages.get(protoType);
        if (type == null) {
            throw new IllegalArgumentException(where + ": unknown message type " + protoType);
        }
        return type;
    }

    private void checkNoClash(ServiceModel service) {
        Map<String, String> existing = protocClasses.getOrDefault(service.javaPackage(), Map.of());
        for (String generated : service.generatedClassNames()) {
            String other = existing.get(generated);
            if (other != null) {
                throw new IllegalArgumentException(service.protoFile() + ": service " + service.fullName()
                        + " would generate class " + generated + ", which clashes with " + other + " in package "
                        + (service.javaPackage().isEmpty() ? "(default)" : service.javaPackage())
                        + "; rename the service or the message, or set java_package");
            }
        }
    }

    private static String escapeMethodName(String name) {
        return JavaNames.isReservedMethodName(name) ? name + "_" : name;
    }

    private static String escapeConstantName(String name) {
        return JavaNames.isReservedConstantName(name) ? name + "_" : name;
    }

    /**
     * {@code name}, or, if an earlier rpc of the service took it, {@code name} with underscores appended until it is
     * free: the first rpc in declaration order keeps the plain name.
     */
    private static String unique(String name, Set<String> taken) {
        String candidate = name;
        while (!taken.add(candidate)) {
            candidate = candidate + "_";
        }
        return candidate;
    }

    private static String qualify(String protoPackage, String name) {
        return protoPackage.isEmpty() ? name : protoPackage + "." + name;
    }

    private static Map<List<Integer>, String> leadingComments(SourceCodeInfo info) {
        Map<List<Integer>, String> comments = new HashMap<>();
        for (SourceCodeInfo.Location location : info.getLocationList()) {
            if (location.hasLeadingComments()) {
                String comment = normalizeComment(location.getLeadingComments());
                if (!comment.isEmpty()) {
                    comments.put(List.copyOf(location.getPathList()), comment);
                }
            }
        }
        return comments;
    }

    /**
     * The comment text without the single space protoc keeps after {@code //}, without trailing blanks and without
     * leading or trailing empty lines.
     */
    static String normalizeComment(String raw) {
        List<String> lines = new ArrayList<>();
        for (String line : raw.split("\n", -1)) {
            lines.add(line.stripTrailing());
        }
        boolean indented = lines.stream().filter(l -> !l.isEmpty()).allMatch(l -> l.startsWith(" "));
        if (indented) {
            lines.replaceAll(l -> l.isEmpty() ? l : l.substring(1));
        }
        int from = 0;
        int to = lines.size();
        while (from < to && lines.get(from).isEmpty()) {
            from++;
        }
        while (to > from && lines.get(to - 1).isEmpty()) {
            to--;
        }
        return String.join("\n", lines.subList(from, to));
    }
}
