package io.rpcvertx.impl.codec;

import io.rpcvertx.StatusCode;
import java.util.Objects;

/** A wire-level violation carrying the gRPC status it maps to. */
public final class WireException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final StatusCode code;

    /** A violation that ends the call with {@code code} and {@code message} as its details. */
    public WireException(StatusCode code, String message) {
        // Thrown for peer misbehaviour, which is routine: no stack trace, no suppression.
        super(message, null, false, false);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** The status the call ends with. */
    public StatusCode code() {
        return code;
    }
}
