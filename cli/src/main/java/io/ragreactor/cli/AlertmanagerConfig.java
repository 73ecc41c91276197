package io.ragreactor.cli;

/** An Alertmanager configuration whose only receiver posts every alert to rag-reactor's webhook receiver. */
final class AlertmanagerConfig {

    private AlertmanagerConfig() {
    }

    /**
     * Returns an {@code alertmanager.yml} that sends each alert group at once ({@code group_wait: 0s}) to
     * {@code webhookUrl}, resolved alerts included. Grouping by alert name and target labels keeps one shard's
     * alert from waiting for another's.
     */
    static String webhookTo(final String webhookUrl) {
        return String.join("\n",
                "route:",
                "  receiver: rag-reactor",
                "  group_by: [alertname, namespace, shard, pod, provider]",
                "  group_wait: 0s",
                "  group_interval: 30s",
                "  repeat_interval: 4h",
                "receivers:",
                "  - name: rag-reactor",
                "    webhook_configs:",
                "      - url: '" + webhookUrl + "'",
                "        send_resolved: true",
                "");
    }
}
