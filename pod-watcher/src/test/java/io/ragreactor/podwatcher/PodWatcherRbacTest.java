package io.ragreactor.podwatcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.schemas.health.HealthEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Checks the pod watcher's requests against its Role in {@code deploy/rbac/pod-watcher.yaml}. */
@EnableKubernetesMockClient(crud = true, https = false)
class PodWatcherRbacTest {

    /** The manifest, relative to the module folder that Maven runs the tests in. */
    private static final Path MANIFEST = Path.of("..", "deploy", "rbac", "pod-watcher.yaml");
    private static final String NAME = "rag-reactor-pod-watcher";
    private static final String NAMESPACE = "rag-prod";
    private static final String PODS_PATH = "/api/v1/namespaces/" + NAMESPACE + "/pods";
    /** The User-Agent of the watcher's client, so the test's own requests are not checked. */
    private static final String USER_AGENT = "rag-reactor-pod-watcher-rbac-test";
    private static final Duration WAIT = Duration.ofSeconds(20);

    KubernetesMockServer server;
    KubernetesClient client;

    private final List<HealthEvent> events = new CopyOnWriteArrayList<>();
    private KubernetesClient watcherClient;
    private PodWatcher watcher;

    @BeforeEach
    void createWatcher() {
        watcherClient = server.createClient(builder -> builder.editOrNewConfig().withUserAgent(USER_AGENT).endConfig());
        watcher = new PodWatcher(watcherClient, Runbook.defaults(), PodWatcherSettings.forNamespace(NAMESPACE),
                new SettableClock(Instant.parse("2026-11-30T09:30:00Z")), events::add);
    }

    @AfterEach
    void closeWatcher() {
        watcher.close();
        watcherClient.close();
    }

    @Test
    void shouldGrantOnlyPodListAndWatch() {
        // Given the manifest
        final List<HasMetadata> objects = readManifest();

        // Then its Role grants list and watch on pods and nothing else
        final Role role = only(objects, Role.class);
        assertThat(role.getMetadata().getName()).isEqualTo(NAME);
        assertThat(role.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        assertThat(role.getRules()).hasSize(1);
        final PolicyRule rule = role.getRules().get(0);
        assertThat(rule.getApiGroups()).containsExactly("");
        assertThat(rule.getResources()).containsExactly("pods");
        assertThat(rule.getVerbs()).containsExactlyInAnyOrder("list", "watch");
        assertThat(rule.getResourceNames()).isNullOrEmpty();

        // And the RoleBinding binds it to the watcher's ServiceAccount in the same namespace
        final RoleBinding binding = only(objects, RoleBinding.class);
        assertThat(binding.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
        assertThat(binding.getRoleRef().getName()).isEqualTo(NAME);
        assertThat(binding.getSubjects()).extracting(Subject::getKind, Subject::getName, Subject::getNamespace)
                .containsExactly(tuple("ServiceAccount", NAME, NAMESPACE));
        assertThat(only(objects, ServiceAccount.class).getMetadata().getNamespace())
                .isEqualTo(NAMESPACE);
    }

    @Test
    void shouldStayWithinRole() {
        // Given a started watcher
        join(watcher.start().toCompletableFuture());

        // When a pod is created and updated
        client.pods().inNamespace(NAMESPACE).resource(PodWatcherTest.samplePod(client, "pod-generator-crashloop.json"))
                .create();
        await().atMost(WAIT).until(() -> events.size() == 1);
        client.pods().inNamespace(NAMESPACE).withName(PodWatcherTest.GENERATOR_POD).edit(pod -> new PodBuilder(pod)
                .editStatus().editFirstContainerStatus().withRestartCount(6).endContainerStatus().endStatus().build());
        await().atMost(WAIT).until(() -> events.size() == 2);
        watcher.close();

        // Then the watcher sent only a list and a watch of the namespace's pods, which the Role allows
        final List<String> verbs = new ArrayList<>();
        for (final RecordedRequest request : watcherRequests()) {
            final URI uri = URI.create("http://mock" + request.getPath());
            assertThat(request.getMethod()).as("method of %s", request.getPath()).isEqualTo("GET");
            assertThat(uri.getRawPath()).as("path of %s", request.getPath()).isEqualTo(PODS_PATH);
            final String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
            verbs.add(List.of(query.split("&")).contains("watch=true") ? "watch" : "list");
        }
        assertThat(verbs).containsExactlyInAnyOrder("list", "watch");
        assertThat(only(readManifest(), Role.class).getRules().get(0).getVerbs()).containsAll(verbs);
    }

    @Test
    void shouldRetryWhileListIsForbidden() {
        // Given an API server that forbids the first two lists, as before the RoleBinding exists
        server.expect().get().withPath(PODS_PATH + "?resourceVersion=0")
                .andReturn(403, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"pods is"
                        + " forbidden: User \\\"system:serviceaccount:rag-prod:rag-reactor-pod-watcher\\\" cannot list"
                        + " resource \\\"pods\\\" in API group \\\"\\\" in the namespace \\\"rag-prod\\\"\","
                        + "\"reason\":\"Forbidden\",\"code\":403}")
                .times(2);

        // When the watcher starts
        final CompletableFuture<Void> started = watcher.start().toCompletableFuture();

        // Then it logs each failure, retries, and lists once the API server allows it
        join(started);
        assertThat(watcher.listWatchFailures()).isEqualTo(2);

        // And it reports pods from then on
        client.pods().inNamespace(NAMESPACE).resource(PodWatcherTest.samplePod(client, "pod-generator-crashloop.json"))
                .create();
        await().atMost(WAIT).until(() -> events.size() == 1);
    }

    private List<RecordedRequest> watcherRequests() {
        final List<RecordedRequest> requests = new ArrayList<>();
        try {
            RecordedRequest request = server.takeRequest(100, TimeUnit.MILLISECONDS);
            while (request != null) {
                if (USER_AGENT.equals(request.getHeader("User-Agent"))) {
                    requests.add(request);
                }
                request = server.takeRequest(100, TimeUnit.MILLISECONDS);
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while reading the recorded requests", e);
        }
        return requests;
    }

    private static void join(final CompletableFuture<Void> started) {
        try {
            started.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (final Exception e) {
            throw new AssertionError("the pod watcher did not list the pods", e);
        }
    }

    private static List<HasMetadata> readManifest() {
        try (InputStream in = Files.newInputStream(MANIFEST)) {
            final Object objects = new KubernetesSerialization().unmarshal(in);
            assertThat(objects).as("documents of %s", MANIFEST).isInstanceOf(List.class);
            return ((List<?>) objects).stream().map(HasMetadata.class::cast).toList();
        } catch (final IOException e) {
            throw new UncheckedIOException("Reading the RBAC manifest failed: " + MANIFEST.toAbsolutePath(), e);
        }
    }

    private static <T> T only(final List<HasMetadata> objects, final Class<T> kind) {
        final List<T> matching = objects.stream().filter(kind::isInstance).map(kind::cast).toList();
        assertThat(matching).as("%s objects in %s", kind.getSimpleName(), MANIFEST).hasSize(1);
        return matching.get(0);
    }
}
