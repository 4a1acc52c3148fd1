package io.rpcvertx.it.containers;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * Says on the console why a container test class will be skipped: {@code @Testcontainers(disabledWithoutDocker = true)}
 * skips it with its reason in the test report only. Decides nothing itself; register it before
 * {@code @Testcontainers}, whose condition then finds Docker's availability already probed (Testcontainers caches it).
 */
final class ReportMissingDocker implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (context.getTestMethod().isEmpty()) {
            long start = System.nanoTime();
            if (!DockerClientFactory.instance().isDockerAvailable()) {
                System.out.printf(
                        "%s: skipped, no Docker engine found (probed in %d ms; DOCKER_HOST=%s). See README, Testing.%n",
                        context.getDisplayName(),
                        (System.nanoTime() - start) / 1_000_000,
                        System.getenv("DOCKER_HOST"));
            }
        }
        return ConditionEvaluationResult.enabled("reports only");
    }
}
