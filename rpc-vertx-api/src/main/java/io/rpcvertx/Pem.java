package io.rpcvertx;

/** Argument checks shared by the credential values. */
final class Pem {
    private Pem() {}

    static void checkNotBlank(String name, String pem) {
        if (pem.isBlank()) {
            throw new IllegalArgumentException(name + ": blank (expected: PEM text)");
        }
    }
}
