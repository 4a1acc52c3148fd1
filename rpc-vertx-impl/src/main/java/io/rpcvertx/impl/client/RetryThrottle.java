package io.rpcvertx.impl.client;

/**
 * Retry throttling (gRFC A6, "Throttling Retry Attempts and Hedged RPCs"): one token bucket per channel, in thousandths
 * of a token (the spec keeps 3 decimal places). It starts full; every attempt that fails with a retryable (or
 * non-fatal) status takes one token, every success gives back {@code tokenRatio}. While the bucket holds no more than
 * half of {@code maxTokens}, failed attempts are not retried and no further hedged attempts are sent. Owner context
 * only.
 */
final class RetryThrottle {
    private final int max;
    private final int threshold;
    private final int ratio;
    private int tokens;

    RetryThrottle(ServiceConfig.Throttling config) {
        this.max = config.maxTokens() * 1000;
        this.threshold = max / 2;
        this.ratio = config.tokenRatioThousandths();
        this.tokens = max;
    }

    /** Whether retries and further hedges are allowed now. */
    boolean isRetryAllowed() {
        return tokens > threshold;
    }

    /** Records a qualified failure; returns whether a retry is still allowed. */
    boolean onFailure() {
        tokens = Math.max(0, tokens - 1000);
        return tokens > threshold;
    }

    /** Records a success. */
    void onSuccess() {
        tokens = Math.min(max, tokens + ratio);
    }

    /** The tokens now, in thousandths (for tests and toString). */
    int tokensThousandths() {
        return tokens;
    }

    @Override
    public String toString() {
        return "RetryThrottle{tokens=" + tokens / 1000.0 + "/" + max / 1000 + "}";
    }
}
