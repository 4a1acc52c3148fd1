package io.rpcvertx.codegen;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import java.util.Set;

/**
 * The naming rules: protoc's Java ones (package, outer class) and ours (method and constant names, escaping).
 *
 * <p>The keyword list is spelled out rather than taken from {@code javax.lang.model.SourceVersion}, so the output does
 * not depend on the JDK that runs protoc.
 */
final class JavaNames {
    /** Keywords, literals and {@code _}, which cannot name a method. */
    private static final Set<String> KEYWORDS = Set.of(
            "abstract",
            "assert",
            "boolean",
            "break",
            "byte",
            "case",
            "catch",
            "char",
            "class",
            "const",
            "continue",
            "default",
            "do",
            "double",
            "else",
            "enum",
            "extends",
            "final",
            "finally",
            "float",
            "for",
            "goto",
            "if",
            "implements",
            "import",
            "instanceof",
            "int",
            "interface",
            "long",
            "native",
            "new",
            "package",
            "private",
            "protected",
            "public",
            "return",
            "short",
            "static",
            "strictfp",
            "super",
            "switch",
            "synchronized",
            "this",
            "throw",
            "throws",
            "transient",
            "try",
            "void",
            "volatile",
            "while",
            "true",
            "false",
            "null",
            "_",
            // a method may be declared with this name, but an unqualified call to it does not compile (JLS 14.21)
            "yield");

    /**
     * Method names an rpc must not take: {@link Object}'s (a no-argument {@code toString()} stub method would not
     * compile) and the members we generate next to the rpc methods.
     */
    private static final Set<String> RESERVED_METHODS = Set.of(
            "clone",
            "equals",
            "finalize",
            "getClass",
            "hashCode",
            "notify",
            "notifyAll",
            "toString",
            "wait",
            "withCallOptions",
            "newStub",
            "bindService",
            "marshaller");

    /** Constants we generate next to the method descriptors. */
    private static final Set<String> RESERVED_CONSTANTS = Set.of("SERVICE_NAME");

    private static final String OUTER_CLASS_SUFFIX = "OuterClass";

    private JavaNames() {}

    /**
     * The stub and servicer method name of an rpc, before escaping: grpc-java's rule, first letter lower-cased and
     * each underscore dropped, upper-casing the letter after it ({@code GetFeature} → {@code getFeature},
     * {@code get_feature} → {@code getFeature}).
     */
    static String lowerCamel(String protoName) {
        StringBuilder out = new StringBuilder(protoName.length());
        boolean afterUnderscore = false;
        for (int i = 0; i < protoName.length(); i++) {
            char c = protoName.charAt(i);
            if (c == '_') {
                afterUnderscore = true;
            } else if (out.length() == 0) {
                out.append(Character.toLowerCase(c));
                afterUnderscore = false;
            } else {
                out.append(afterUnderscore ? Character.toUpperCase(c) : c);
                afterUnderscore = false;
            }
        }
        return out.length() == 0 ? protoName : out.toString();
    }

    /**
     * The descriptor constant of an rpc, before disambiguation: words split at a lower-case letter or digit followed
     * by an upper-case one, and inside acronyms before their last capital ({@code GetFeature} → {@code GET_FEATURE},
     * {@code GetHTTPStatus} → {@code GET_HTTP_STATUS}); underscores are kept ({@code Foo_Bar} → {@code FOO_BAR}).
     */
    static String upperSnake(String protoName) {
        StringBuilder out = new StringBuilder(protoName.length() + 8);
        for (int i = 0; i < protoName.length(); i++) {
            char c = protoName.charAt(i);
            if (i > 0 && isUpper(c)) {
                char prev = protoName.charAt(i - 1);
                boolean nextIsLower = i + 1 < protoName.length() && isLower(protoName.charAt(i + 1));
                if (isLower(prev) || isDigit(prev) || (isUpper(prev) && nextIsLower)) {
                    out.append('_');
                }
            }
            out.append(Character.toUpperCase(c));
        }
        return out.toString();
    }

    /** Whether {@code name} cannot be a generated rpc method name as is. */
    static boolean isReservedMethodName(String name) {
        return KEYWORDS.contains(name) || RESERVED_METHODS.contains(name);
    }

    /** Whether {@code name} cannot be a generated descriptor constant as is. */
    static boolean isReservedConstantName(String name) {
        return RESERVED_CONSTANTS.contains(name);
    }

    /**
     * The Java package of a file's generated classes (protoc's {@code FileJavaPackage}): {@code java_package} if set,
     * otherwise the proto package, otherwise the default package.
     */
    static String javaPackage(FileDescriptorProto file) {
        return file.getOptions().hasJavaPackage() ? file.getOptions().getJavaPackage() : file.getPackage();
    }

    /**
     * The file's outer class (protoc's {@code GetFileImmutableClassName}): {@code java_outer_classname} if set,
     * otherwise the file name in CamelCase, with {@code OuterClass} appended when a message (at any depth), enum or
     * service in the file has exactly that name.
     */
    static String outerClassName(FileDescriptorProto file) {
        if (file.getOptions().hasJavaOuterClassname()) {
            return file.getOptions().getJavaOuterClassname();
        }
        String name = defaultOuterClassName(file.getName());
        return hasTypeNamed(file, name) ? name + OUTER_CLASS_SUFFIX : name;
    }

    /**
     * The CamelCase form of a file's base name without {@code .proto} (protoc's {@code UnderscoresToCamelCase} with
     * the first letter capitalised): {@code a/route_guide.proto} → {@code RouteGuide}, {@code v2_api.proto} →
     * {@code V2Api}, {@code foo-bar.proto} → {@code FooBar}.
     */
    static String defaultOuterClassName(String fileName) {
        String base = fileName.substring(fileName.lastIndexOf('/') + 1);
        if (base.endsWith(".protodevel")) {
            base = base.substring(0, base.length() - ".protodevel".length());
        } else if (base.endsWith(".proto")) {
            base = base.substring(0, base.length() - ".proto".length());
        }
        StringBuilder out = new StringBuilder(base.length());
        boolean capNext = true;
        for (int i = 0; i < base.length(); i++) {
            char c = base.charAt(i);
            if (isLower(c)) {
                out.append(capNext ? Character.toUpperCase(c) : c);
                capNext = false;
            } else if (isUpper(c)) {
                out.append(c);
                capNext = false;
            } else if (isDigit(c)) {
                out.append(c);
                capNext = true;
            } else {
                capNext = true;
            }
        }
        return out.toString();
    }

    private static boolean hasTypeNamed(FileDescriptorProto file, String name) {
        for (EnumDescriptorProto e : file.getEnumTypeList()) {
            if (e.getName().equals(name)) {
                return true;
            }
        }
        for (ServiceDescriptorProto s : file.getServiceList()) {
            if (s.getName().equals(name)) {
                return true;
            }
        }
        for (DescriptorProto m : file.getMessageTypeList()) {
            if (messageHasTypeNamed(m, name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean messageHasTypeNamed(DescriptorProto message, String name) {
        if (message.getName().equals(name)) {
            return true;
        }
        for (DescriptorProto nested : message.getNestedTypeList()) {
            if (messageHasTypeNamed(nested, name)) {
                return true;
            }
        }
        for (EnumDescriptorProto e : message.getEnumTypeList()) {
            if (e.getName().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isLower(char c) {
        return c >= 'a' && c <= 'z';
    }

    private static boolean isUpper(char c) {
        return c >= 'A' && c <= 'Z';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
