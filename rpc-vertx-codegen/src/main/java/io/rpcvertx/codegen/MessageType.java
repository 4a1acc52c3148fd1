package io.rpcvertx.codegen;

import java.util.List;

/**
 * The Java class protoc generates for a message.
 *
 * @param packageName the Java package, empty for the default package
 * @param simpleNames the class and its enclosing classes, outermost first: {@code [Feature]} for
 *     {@code java_multiple_files}, otherwise {@code [RouteGuideProto, Feature]}; nested messages add their names
 * @param deprecated whether javac would warn on a use of the class: the message, a message enclosing it, or its file is
 *     marked {@code deprecated}
 */
record MessageType(String packageName, List<String> simpleNames, boolean deprecated) {
    MessageType {
        simpleNames = List.copyOf(simpleNames);
        if (simpleNames.isEmpty()) {
            throw new IllegalArgumentException("simpleNames: [] (expected: at least one name)");
        }
    }

    /** {@code io.example.RouteGuideProto.Feature}. */
    String canonicalName() {
        String nested = String.join(".", simpleNames);
        return packageName.isEmpty() ? nested : packageName + "." + nested;
    }
}
