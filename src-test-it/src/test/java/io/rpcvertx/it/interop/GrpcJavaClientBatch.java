package io.rpcvertx.it.interop;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs grpc-java's interop client, {@code io.grpc.testing.integration.TestServiceClient}, once per test case inside
 * one JVM started by {@link GrpcJavaPeers} with grpc-java's own classpath, so a matrix row costs one JVM start instead
 * of nineteen. Each case is exactly what {@code TestServiceClient --test_case=X} does in a process of its own (its
 * {@code main}: parse flags, fresh channel, run, tear down); grpc-java's {@code main} does not exit the JVM.
 *
 * <p>Arguments: {@code --test_cases=a,b,c} followed by the flags common to every case; the {@code orca_*} cases get
 * {@code --service_config_json} selecting grpc-java's test load balancing policy as well. Output, one line per case after
 * grpc-java's own: {@code @@case <name> PASS} or {@code @@case <name> FAIL <reason on one line>}; then {@code @@done}.
 *
 * <p>Loaded reflectively: this module's test classpath deliberately does not hold grpc-interop-testing.
 */
public final class GrpcJavaClientBatch {
    static final String CASE_PREFIX = "@@case ";
    static final String DONE = "@@done";
    /** grpc-java's {@code CustomBackendMetricsLoadBalancerProvider}, which its ORCA cases need. */
    static final String ORCA_SERVICE_CONFIG = "{\"loadBalancingConfig\":[{\"test_backend_metrics_load_balancer\":{}}]}";

    private GrpcJavaClientBatch() {}

    public static void main(String[] args) throws ReflectiveOperationException {
        if (args.length == 0 || !args[0].startsWith("--test_cases=")) {
            throw new IllegalArgumentException("usage: --test_cases=a,b,c [TestServiceClient flags...]");
        }
        List<String> cases =
                Arrays.asList(args[0].substring("--test_cases=".length()).split(","));
        List<String> common = Arrays.asList(args).subList(1, args.length);
        Method main =
                Class.forName("io.grpc.testing.integration.TestServiceClient").getMethod("main", String[].class);
        for (String testCase : cases) {
            List<String> caseArgs = new ArrayList<>(common);
            caseArgs.add("--test_case=" + testCase);
            if (testCase.startsWith("orca_")) {
                // the ORCA cases read the load reports through grpc-java's test LB policy, which only this selects
                caseArgs.add("--service_config_json=" + ORCA_SERVICE_CONFIG);
            }
            String outcome;
            try {
                main.invoke(null, (Object) caseArgs.toArray(new String[0]));
                outcome = "PASS";
            } catch (InvocationTargetException e) {
                outcome = "FAIL " + oneLine(e.getCause());
            }
            System.out.flush();
            System.out.println(CASE_PREFIX + testCase + " " + outcome);
            System.out.flush();
        }
        System.out.println(DONE);
        System.out.flush();
        System.exit(0); // grpc-java may leave non-daemon threads behind
    }

    private static String oneLine(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = failure; t != null && text.length() < 600; t = t.getCause()) {
            if (text.length() > 0) {
                text.append(" <- caused by: ");
            }
            text.append(t);
        }
        return text.toString().replaceAll("\\s+", " ");
    }
}
