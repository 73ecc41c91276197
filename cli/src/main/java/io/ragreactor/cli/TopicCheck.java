package io.ragreactor.cli;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;

/**
 * Checks that topics exist before a command writes to them. A producer would otherwise make a broker that
 * creates topics on first use create them with its defaults: not compacted, and with any partition count.
 */
final class TopicCheck {

    private TopicCheck() {
    }

    /**
     * Checks that every topic in {@code names} exists.
     *
     * @throws CommandFailedException naming the missing topics, or when the broker cannot be asked
     */
    static void requireTopics(final ClusterSettings settings, final String... names) {
        try (Admin admin = Admin.create(settings.adminConfig())) {
            final Set<String> existing = admin.listTopics().names().get();
            final List<String> missing = List.of(names).stream().filter(name -> !existing.contains(name)).toList();
            if (!missing.isEmpty()) {
                throw new CommandFailedException("topic(s) " + String.join(", ", missing) + " not found on "
                        + settings.bootstrapServers() + "; the reactor creates its topics when it starts, so start it"
                        + " once or check --bootstrap-servers");
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailedException("interrupted while listing the topics of " + settings.bootstrapServers(),
                    e);
        } catch (final ExecutionException e) {
            throw new CommandFailedException("cannot list the topics of " + settings.bootstrapServers() + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
    }
}
