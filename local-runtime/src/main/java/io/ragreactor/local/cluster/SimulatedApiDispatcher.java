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
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The API server's request router. It handles pod {@code exec} itself from the simulation's state, over the
 * Kubernetes channel protocol on a WebSocket, and pod logs from the simulation's state too. It passes every other
 * request to fabric8's CRUD dispatcher.
 */
final class SimulatedApiDispatcher extends Dispatcher {

    private static final Pattern EXEC_PATH = Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/]+)/exec$");
    private static final Pattern LOG_PATH = Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/]+)/log$");
    private static final int HTTP_UNPROCESSABLE_ENTITY = 422;

    // Channels of the v4.channel.k8s.io protocol: the first byte of every binary message names the stream.
    private static final byte STDOUT_CHANNEL = 1;
    private static final byte STDERR_CHANNEL = 2;
    private static final byte STATUS_CHANNEL = 3;
    private static final int NORMAL_CLOSURE = 1000;

    private final Dispatcher crud;
    private final ExecSimulator exec;
    private final ContainerLogs logs;

    SimulatedApiDispatcher(final Dispatcher crud, final ExecSimulator exec, final ContainerLogs logs) {
        this.crud = crud;
        this.exec = exec;
        this.logs = logs;
    }

    @Override
    public MockResponse dispatch(final RecordedRequest request) {
        final String target = request.getPath();
        final int queryStart = target.indexOf('?');
        final String path = queryStart < 0 ? target : target.substring(0, queryStart);
        final Matcher execPath = EXEC_PATH.matcher(path);
        final String query = queryStart < 0 ? "" : target.substring(queryStart + 1);
        if (execPath.matches()) {
            return handleExec(execPath.group(1), execPath.group(2), query);
        }
        final Matcher logPath = LOG_PATH.matcher(path);
        if (logPath.matches() && "GET".equals(request.getMethod())) {
            return handleLog(logPath.group(1), logPath.group(2), query);
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

    /**
     * Handles GET pods/POD/log with the parameters container, previous, tailLines and limitBytes. Its errors and
     * messages are the real API server's: 404 for an unknown pod, 400 for an unknown container or one that has not
     * started, and 422 for an out-of-range parameter.
     */
    private MockResponse handleLog(final String namespace, final String podName, final String query) {
        final Optional<Pod> pod = findPod(namespace, podName);
        if (pod.isEmpty()) {
            return statusResponse(HttpURLConnection.HTTP_NOT_FOUND, "NotFound", "pods \"" + podName + "\" not found");
        }
        final List<String> requested = queryValues(query, "container");
        final List<Container> containers = pod.get().getSpec().getContainers();
        final List<Container> initContainers = pod.get().getSpec().getInitContainers();
        final String container;
        if (requested.isEmpty() || requested.get(0).isEmpty()) {
            if (containers.size() != 1) {
                return statusResponse(HttpURLConnection.HTTP_BAD_REQUEST, "BadRequest", "a container name must be"
                        + " specified for pod " + podName + ", choose one of: " + names(containers)
                        + (initContainers.isEmpty() ? "" : " or one of the init containers: " + names(initContainers)));
            }
            container = containers.get(0).getName();
        } else {
            container = requested.get(0);
        }
        final boolean init = initContainers.stream().anyMatch(c -> container.equals(c.getName()));
        if (!init && containers.stream().noneMatch(c -> container.equals(c.getName()))) {
            return statusResponse(HttpURLConnection.HTTP_BAD_REQUEST, "BadRequest", "container " + container
                    + " is not valid for pod " + podName);
        }

        final Optional<Long> tailLines;
        final Optional<Long> limitBytes;
        try {
            tailLines = longParameter(query, "tailLines");
            limitBytes = longParameter(query, "limitBytes");
        } catch (final NumberFormatException e) {
            return statusResponse(HttpURLConnection.HTTP_BAD_REQUEST, "BadRequest", "invalid log parameter: "
                    + e.getMessage());
        }
        if (tailLines.isPresent() && tailLines.get() < 0) {
            return statusResponse(HTTP_UNPROCESSABLE_ENTITY, "Invalid", "tailLines: Invalid value: " + tailLines.get()
                    + ": must be greater than or equal to 0");
        }
        if (limitBytes.isPresent() && limitBytes.get() < 1) {
            return statusResponse(HTTP_UNPROCESSABLE_ENTITY, "Invalid", "limitBytes: Invalid value: "
                    + limitBytes.get() + ": must be greater than 0");
        }

        final boolean previous = queryValues(query, "previous").contains("true");
        final ContainerLogs.LogRead read = logs.read(pod.get(), container, init, previous);
        if (!read.found()) {
            return statusResponse(read.code(), read.reason(), read.message());
        }
        final byte[] body = limit(tail(read.text(), tailLines), limitBytes);
        return new MockResponse()
                .setResponseCode(HttpURLConnection.HTTP_OK)
                .setHeader("Content-Type", "text/plain")
                .setBody(new Buffer().write(body));
    }

    private static String tail(final String log, final Optional<Long> tailLines) {
        if (tailLines.isEmpty()) {
            return log;
        }
        final String[] lines = log.split("\n", -1);
        // A log ending in a newline splits into its lines and one empty string after the last newline.
        final int count = log.endsWith("\n") ? lines.length - 1 : lines.length;
        final long keep = Math.min(tailLines.get(), count);
        final StringBuilder tail = new StringBuilder();
        for (int i = (int) (count - keep); i < count; i++) {
            tail.append(lines[i]);
            if (i < count - 1 || log.endsWith("\n")) {
                tail.append('\n');
            }
        }
        return tail.toString();
    }

    private static byte[] limit(final String log, final Optional<Long> limitBytes) {
        final byte[] bytes = log.getBytes(StandardCharsets.UTF_8);
        if (limitBytes.isEmpty() || limitBytes.get() >= bytes.length) {
            return bytes;
        }
        return Arrays.copyOf(bytes, limitBytes.get().intValue());
    }

    private static Optional<Long> longParameter(final String query, final String name) {
        final List<String> values = queryValues(query, name);
        if (values.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(values.get(0)));
        } catch (final NumberFormatException e) {
            throw new NumberFormatException(name + "=" + values.get(0) + " is not an integer");
        }
    }

    private static String names(final List<Container> containers) {
        return containers.stream().map(Container::getName).collect(Collectors.joining(" ", "[", "]"));
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
