package io.ragreactor.actuators.rbac;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Checks every Kubernetes request an actuator client sends to the fabric8 mock server during an action against the
 * actuators' Role in {@code deploy/rbac/actuators.yaml}, and fails with the requests the Role does not allow.
 *
 * <p>Only requests from a client built by {@link #client} count, so the test's own setup, status updates and reads
 * on other threads do not.
 */
public final class RbacAudit {

    /** The User-Agent of clients built by {@link #client}. The audit checks only requests that carry it. */
    public static final String USER_AGENT = "rag-reactor-actuators-rbac-audit";

    /** The manifest, relative to the module folder that Maven runs the tests in. */
    static final Path MANIFEST = Path.of("..", "deploy", "rbac", "actuators.yaml");

    /** The Role the actuators' ServiceAccount is bound to. */
    static final String ROLE = "rag-reactor-actuators";

    // How long to wait, after the action, for one more recorded request before treating the queue as empty.
    private static final long DRAIN_WAIT_MILLIS = 100;

    private RbacAudit() {
    }

    /**
     * Builds a client on the mock server whose requests the audit checks. Give it to the handler under test, and
     * close it when the test ends.
     */
    public static KubernetesClient client(final KubernetesMockServer server) {
        return server.createClient(builder -> builder.editOrNewConfig().withUserAgent(USER_AGENT).endConfig());
    }

    /**
     * Runs the action and returns its result, after checking that the audited client sent at least one request
     * during it and that the Role allows every one of them.
     *
     * @throws AssertionError when no audited request was recorded, or when the Role denies one, listing each
     *     denied request with its HTTP method, path and reason
     */
    public static <T> T during(final KubernetesMockServer server, final Supplier<T> action) {
        // Requests recorded so far belong to the test's setup. Waiting here for more could stall the action while
        // the test's thread polls the mock server, so only the requests already recorded are taken.
        drain(server, 0);

        final T result = action.get();

        final List<RecordedRequest> audited = drain(server, DRAIN_WAIT_MILLIS).stream()
                .filter(request -> USER_AGENT.equals(request.getHeader("User-Agent")))
                .toList();
        if (audited.isEmpty()) {
            throw new AssertionError("No request from the audited client was recorded. Build the handler with"
                    + " RbacAudit.client(server)");
        }
        final List<String> denied = deniedRequests(RoleRules.load(MANIFEST, ROLE), audited);
        if (!denied.isEmpty()) {
            throw new AssertionError("Role " + ROLE + " in " + MANIFEST + " does not allow "
                    + denied.size() + " of " + audited.size() + " requests:\n  " + String.join("\n  ", denied));
        }
        return result;
    }

    /** Returns one line per request that the Role does not allow, naming the request and the reason. */
    static List<String> deniedRequests(final RoleRules role, final List<RecordedRequest> requests) {
        final List<String> denied = new ArrayList<>();
        for (final RecordedRequest request : requests) {
            final ApiRequest apiRequest = ApiRequest.of(request.getMethod(), request.getPath());
            final String reason = role.deniedReason(apiRequest);
            if (reason != null) {
                denied.add(request.getMethod() + " " + request.getPath() + " (" + apiRequest + "): " + reason);
            }
        }
        return denied;
    }

    private static List<RecordedRequest> drain(final KubernetesMockServer server, final long waitMillis) {
        final List<RecordedRequest> requests = new ArrayList<>();
        try {
            RecordedRequest request = server.takeRequest(waitMillis, TimeUnit.MILLISECONDS);
            while (request != null) {
                requests.add(request);
                request = server.takeRequest(waitMillis, TimeUnit.MILLISECONDS);
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while reading the mock server's recorded requests", e);
        }
        return requests;
    }
}
