package io.ragreactor.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragreactor.ingress.HealthEventPublisher;
import io.ragreactor.ingress.JsonLinesIngress;
import io.ragreactor.ingress.LineParser;
import io.ragreactor.ingress.ParsedLine;
import io.ragreactor.ingress.PodStatusMapper;
import io.ragreactor.ingress.ProbeLineParser;
import io.ragreactor.ingress.ProviderResponseParser;
import io.ragreactor.ingress.SampleLineParser;
import io.ragreactor.runbook.Runbook;
import io.ragreactor.runbook.RunbookException;
import io.ragreactor.runbook.RunbookLoader;
import io.ragreactor.schemas.health.HealthEvent;
import io.ragreactor.schemas.topics.Topics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Produces the RAG stack's native output to the health topic through the ingress parsers: prober and
 * vectorstore log lines, the RAG API's failed provider calls, and pods. Bad input goes to the dead-letter
 * topic with its reason, and the exit code reports whether any was dead-lettered.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = {"Produce health events from the stack's native output to rag.health. JSON lines: golden-query"
                + " prober results and vectorstore log lines (as in golden-query-results.jsonl), and the RAG API's"
                + " failed provider calls (as in llm-provider-responses.jsonl). Pods: one JSON document, a pod or a"
                + " `kubectl get pods -o json` list, each pod observed now.",
            "Lines that cannot become an event go to rag.health.dlq with their reason and are listed on standard"
                + " error; log lines that are no symptom are skipped. A summary follows on standard output."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every record was produced or skipped",
            "1:the command failed, for example the broker or the registry was unreachable",
            "2:invalid options",
            "3:finished, but at least one line or pod was dead-lettered"})
final class ProduceCommand implements Callable<Integer> {

    /** Exit code when the run finished but dead-lettered some input. */
    static final int DEAD_LETTERED_EXIT_CODE = 3;

    /** How far ahead the format detection may read for the first non-blank line, in characters. */
    private static final int DETECTION_LIMIT = 16 * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The input formats. */
    enum Format {
        AUTO, PROBE, PROVIDER, POD
    }

    @Mixin
    private ConnectionOptions connection;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE",
            description = "File to read; standard input when absent or -.")
    private String file;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "auto",
            description = "Input format: auto, probe (prober results and vectorstore log lines), provider (failed"
                    + " provider calls) or pod (one pod or pod list document). auto reads a JSON document that"
                    + " starts with a pod or list as pods, and otherwise picks the parser of each line by its"
                    + " fields (default: ${DEFAULT-VALUE}).")
    private Format format;

    @Option(names = "--runbook", paramLabel = "FILE",
            description = "Runbook file whose target rules map shards, pods and providers to targets (default: the"
                    + " shipped demo runbook).")
    private Path runbookFile;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        final ClusterSettings settings = connection.settings();
        final Runbook runbook = runbook();
        final Topics topics = settings.topics();
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final boolean fromStdin = file == null || file.equals("-");
        final String sourceName = fromStdin ? "stdin" : file;
        TopicCheck.requireTopics(settings, topics.health().name(), topics.healthDeadLetter().name());

        final JsonLinesIngress.Summary summary;
        try (CountingInputStream counted = new CountingInputStream(open(fromStdin));
             BufferedReader reader = new BufferedReader(new InputStreamReader(counted, StandardCharsets.UTF_8));
             HealthEventPublisher publisher = connect(settings, topics);
             Progress progress = Progress.ofWork("produce " + sourceName, fromStdin ? -1 : Files.size(Path.of(file)),
                     "bytes", err)) {
            final Listener listener = new Listener(sourceName, counted, progress, err);
            try {
                summary = produce(reader, sourceName, runbook, publisher, listener);
            } catch (final IllegalStateException e) {
                // The publisher's error when the broker rejects a record or does not respond in time.
                progress.clear();
                throw new CommandFailedException("producing " + sourceName + " failed after " + listener.published
                        + " published and " + listener.deadLettered + " dead-lettered record(s): " + e.getMessage(), e);
            }
        }
        out.println(sourceName + ": published " + summary.published() + ", skipped " + summary.skipped()
                + ", dead-lettered " + summary.deadLettered()
                + (summary.deadLettered() > 0 ? " (on " + topics.healthDeadLetter().name() + ")" : ""));
        out.flush();
        return summary.deadLettered() > 0 ? DEAD_LETTERED_EXIT_CODE : CommandLine.ExitCode.OK;
    }

    private JsonLinesIngress.Summary produce(final BufferedReader reader, final String sourceName, final Runbook runbook,
                                             final HealthEventPublisher publisher, final Listener listener)
            throws IOException, InterruptedException {
        // NOTE: HealthEventPublisher waits for each record's acknowledgement, one round trip per line. A file of
        // many thousand lines is therefore slow, and a batching publish in ingress would fix it.
        final Format chosen = format == Format.AUTO ? detect(reader) : format;
        if (chosen == Format.POD) {
            listener.recordLabel = "pod";
            final StringBuilder document = new StringBuilder();
            final char[] buffer = new char[8192];
            int read;
            while ((read = reader.read(buffer)) >= 0) {
                document.append(buffer, 0, read);
            }
            return new PodDocumentProducer(new PodStatusMapper(runbook), publisher)
                    .run(document.toString(), sourceName, Instant.now(), listener);
        }
        final LineParser probe = new ProbeLineParser(runbook);
        final LineParser provider = new ProviderResponseParser(runbook);
        final LineParser parser = switch (chosen) {
            case PROBE -> probe;
            case PROVIDER -> provider;
            default -> new SampleLineParser(probe, provider);
        };
        return new JsonLinesIngress(new TargetCheckingParser(parser), publisher).run(reader, sourceName, null,
                listener);
    }

    /**
     * Detects pods, in any layout, or JSON lines from the first non-blank line, and leaves the reader where it
     * was. A line that is a whole JSON object with {@code kind} or {@code apiVersion} is a Kubernetes object, and
     * a first line that starts an object without ending it is the start of an indented document.
     */
    static Format detect(final BufferedReader reader) throws IOException {
        reader.mark(DETECTION_LIMIT);
        String line;
        do {
            line = reader.readLine();
        } while (line != null && line.isBlank());
        reader.reset();
        if (line == null) {
            return Format.AUTO;
        }
        try {
            final JsonNode json = JSON.readTree(line);
            return json != null && json.isObject() && (json.has("kind") || json.has("apiVersion")) ? Format.POD
                    : Format.AUTO;
        } catch (final JsonProcessingException e) {
            return line.strip().startsWith("{") ? Format.POD : Format.AUTO;
        }
    }

    private Runbook runbook() {
        if (runbookFile == null) {
            return RunbookLoader.loadDefault(Map.of());
        }
        try {
            return RunbookLoader.load(runbookFile, Map.of());
        } catch (final RunbookException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid --runbook: " + e.getMessage());
        }
    }

    private InputStream open(final boolean fromStdin) throws IOException {
        if (fromStdin) {
            // Closing the reader must not close the JVM's standard input, which picocli's caller may still use.
            return new java.io.FilterInputStream(System.in) {
                @Override
                public void close() {
                }
            };
        }
        try {
            return Files.newInputStream(Path.of(file));
        } catch (final NoSuchFileException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "file " + file + " not found");
        }
    }

    private static HealthEventPublisher connect(final ClusterSettings settings, final Topics topics) {
        final Map<String, Object> config = settings.producerConfig();
        return new HealthEventPublisher(topics,
                new KafkaProducer<>(config, topics.health().keySerde().serializer(),
                        topics.health().valueSerde().serializer()),
                new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer()));
    }

    /** Counts what happens to each record, reports dead letters on standard error, and moves the progress on. */
    private static final class Listener implements JsonLinesIngress.Listener {

        private final String sourceName;
        private final CountingInputStream counted;
        private final Progress progress;
        private final PrintWriter err;
        /** Name of one input record in messages: line, or pod for a pod document. */
        private String recordLabel = "line";
        private long bytesReported;
        private long published;
        private long deadLettered;

        Listener(final String sourceName, final CountingInputStream counted, final Progress progress,
                 final PrintWriter err) {
            this.sourceName = sourceName;
            this.counted = counted;
            this.progress = progress;
            this.err = err;
        }

        @Override
        public void published(final HealthEvent event) {
            published++;
            advance();
        }

        @Override
        public void skipped(final long lineNumber, final String why) {
            advance();
        }

        @Override
        public void deadLettered(final long lineNumber, final ParsedLine.Rejected rejected) {
            deadLettered++;
            progress.clear();
            err.println(sourceName + ": " + recordLabel + " " + lineNumber + " dead-lettered ("
                    + rejected.reason().code() + "): " + rejected.message());
            err.flush();
            advance();
        }

        private void advance() {
            final long bytes = counted.count();
            progress.advance(1, bytes - bytesReported);
            bytesReported = bytes;
        }
    }
}
