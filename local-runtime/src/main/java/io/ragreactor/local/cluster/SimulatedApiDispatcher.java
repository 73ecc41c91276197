package io.ragreactor.local.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.net.HttpURLConnection;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API server's request router. It handles pod {@code exec} itself from the simulation's state, over the
 * Kubernetes channel protocol on a WebSocket, and passes every other request to fabric8's CRUD dispatcher.
 */
final class SimulatedApiDispatcher extends Dispatcher {

    private static final Pattern EXEC_PATH = Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/]+)/exec$");

    // Channels of the v4.channel.k8s.io protocol: the first byte of every binary message names the stream.
    private static final byte STDOUT_CHANNEL = 1;
    private static final byte STDERR_CHANNEL = 2;
    private static final byte STATUS_CHANNEL = 3;
    private static final int NORMAL_CLOSURE = 1000;

    private final Dispatcher crud;
    private final ExecSimulator exec;

    SimulatedApiDispatcher(final Dispatcher crud, final ExecSimulator exec) {
        this.crud = crud;
        this.exec = exec;
    }

    @Override
    public MockResponse dispatch(final RecordedRequest request) {
        final String target = request.getPath();
        final int queryStart = target.indexOf('?');
        final String path = queryStart < 0 ? target : target.substring(0, queryStart);
        final Matcher execPath = EXEC_PATH.matcher(path);
        if (execPath.matches()) {
            final String query = queryStart < 0 ? "" : target.substring(queryStart + 1);
            return handleExec(execPath.group(1), execPath.group(2), query);
        }
        return crud.dispatch(request);
    }

    @Override
    public void shutdown() {
        crud.shutdown();
    }

    private MockResponse handleExec(final String namespace, final String podName, final String query) {
        final List<String> command = queryValues(query, "command");
        if (command.isEmpty()) {
            return statusResponse(HttpURLConnection.HTTP_BAD_REQUEST, "BadRequest",
                    "you must specify at least one command for the container");
        }
        final Optional<Pod> pod = findPod(namespace, podName);
        if (pod.isEmpty()) {
            return statusResponse(HttpURLConnection.HTTP_NOT_FOUND, "NotFound",
                    "pods \"" + podName + "\" not found in namespace " + namespace);
        }
        final Optional<Container> container = selectContainer(pod.get(), queryValues(query, "container"));
        if (container.isEmpty()) {
            return statusResponse(HttpURLConnection.HTTP_BAD_REQUEST, "BadRequest",
                    "container not found or not given for pod " + podName);
        }
        if (!"Running".equals(pod.get().getStatus() == null ? null : pod.get().getStatus().getPhase())) {
            return statusResponse(HttpURLConnection.HTTP_BAD_REQUEST, "BadRequest",
                    "unable to upgrade connection: container " + container.get().getName() + " is not running");
        }

        // The result is computed while the upgrade request is handled, so it reflects the state at request time.
        final ExecResult result = exec.execute(pod.get(), container.get(), command);
        final boolean sendStdout = queryValues(query, "stdout").contains("true");
        final boolean sendStderr = queryValues(query, "stderr").contains("true");
        return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
            @Override
            public void onOpen(final WebSocket webSocket, final Response response) {
                if (sendStdout && !result.stdout().isEmpty()) {
                    webSocket.send(frame(STDOUT_CHANNEL, result.stdout()));
                }
                if (sendStderr && !result.stderr().isEmpty()) {
                    webSocket.send(frame(STDERR_CHANNEL, result.stderr()));
                }
                webSocket.send(frame(STATUS_CHANNEL, Serialization.asJson(exitStatus(command, result.exitCode()))));
                webSocket.close(NORMAL_CLOSURE, "");
            }
        });
    }

    private Optional<Pod> findPod(final String namespace, final String podName) {
        final RecordedRequest get = new RecordedRequest("HTTP/1.1", HttpMethod.GET,
                "/api/v1/namespaces/" + namespace + "/pods/" + podName, Headers.builder().build(), new Buffer());
        final MockResponse response = crud.dispatch(get);
        if (response.code() != HttpURLConnection.HTTP_OK || response.getBody() == null) {
            return Optional.empty();
        }
        return Optional.of(Serialization.unmarshal(response.getBody().readUtf8(), Pod.class));
    }

    private static Optional<Container> selectContainer(final Pod pod, final List<String> requested) {
        final List<Container> containers = pod.getSpec() == null ? List.of() : pod.getSpec().getContainers();
        if (requested.isEmpty()) {
            // The API server only picks the container itself when there is exactly one.
            return containers.size() == 1 ? Optional.of(containers.get(0)) : Optional.empty();
        }
        return containers.stream().filter(container -> container.getName().equals(requested.get(0))).findFirst();
    }

    /** Builds the status message the kubelet sends on channel 3, from which clients read the exit code. */
    static Status exitStatus(final List<String> command, final int exitCode) {
        if (exitCode == 0) {
            return new StatusBuilder().withStatus("Success").withNewMetadata().endMetadata().build();
        }
        return new StatusBuilder()
                .withStatus("Failure")
                .withReason("NonZeroExitCode")
                .withMessage("command terminated with non-zero exit code: error executing command " + command
                        + ", exit code " + exitCode)
                .withNewMetadata().endMetadata()
                .withNewDetails()
                .addNewCause().withReason("ExitCode").withMessage(String.valueOf(exitCode)).endCause()
                .endDetails()
                .build();
    }

    private static MockResponse statusResponse(final int code, final String reason, final String message) {
        final Status status = new StatusBuilder()
                .withStatus("Failure")
                .withCode(code)
                .withReason(reason)
                .withMessage(message)
                .withNewMetadata().endMetadata()
                .build();
        return new MockResponse()
                .setResponseCode(code)
                .setHeader("Content-Type", "application/json")
                .setBody(Serialization.asJson(status));
    }

    private static byte[] frame(final byte channel, final String payload) {
        final byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        final byte[] frame = new byte[bytes.length + 1];
        frame[0] = channel;
        System.arraycopy(bytes, 0, frame, 1, bytes.length);
        return frame;
    }

    private static List<String> queryValues(final String query, final String name) {
        final List<String> values = new ArrayList<>();
        if (query.isEmpty()) {
            return values;
        }
        for (final String pair : query.split("&")) {
            final int equals = pair.indexOf('=');
            final String key = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            if (key.equals(name)) {
                values.add(equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        return values;
    }
}
