package io.ragreactor.podwatcher;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Settings of a {@link PodWatcher}.
 *
 * @param namespace namespace whose pods are watched
 * @param podSelector labels a pod must carry to be watched, or empty to watch every pod of the namespace
 * @param readyDeadline time after a pod's creation by which it must be Ready, used only when the runbook sets no
 *     {@code bootstrapDeadlock.detection.readyDeadline}
 * @param deadlineCheckInterval how often the readiness deadlines are checked, so a missed deadline is reported at
 *     most this long after it passed
 * @param resyncPeriod how often the informer replays its cache to the watcher, at least {@link #MIN_RESYNC_PERIOD};
 *     zero turns resyncs off
 */
public record PodWatcherSettings(String namespace, Map<String, String> podSelector, Duration readyDeadline,
                                 Duration deadlineCheckInterval, Duration resyncPeriod) {

    /** Readiness deadline when the runbook sets none: the shipped runbook's value. */
    public static final Duration DEFAULT_READY_DEADLINE = Duration.ofMinutes(10);

    /** Interval of the readiness deadline check. */
    public static final Duration DEFAULT_DEADLINE_CHECK_INTERVAL = Duration.ofSeconds(15);

    /** Resync period of the informer. Unchanged pods are not reported again, so a resync only costs a comparison. */
    public static final Duration DEFAULT_RESYNC_PERIOD = Duration.ofMinutes(5);

    /** Shortest resync period, because fabric8 8.0.0 raises a shorter one to 1 s and logs a warning. */
    public static final Duration MIN_RESYNC_PERIOD = Duration.ofSeconds(1);

    /** Pattern of a DNS label (RFC 1123), the form of a namespace name. */
    private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");

    /** Pattern of a label name, of the name after a label key's prefix, and of a non-empty label value. */
    private static final Pattern LABEL_NAME = Pattern.compile("^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$");
    private static final Pattern LABEL_PREFIX = Pattern.compile("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$");

    /**
     * Validates the settings.
     *
     * @throws IllegalArgumentException naming the invalid setting and its value
     */
    public PodWatcherSettings {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(podSelector, "podSelector");
        Objects.requireNonNull(readyDeadline, "readyDeadline");
        Objects.requireNonNull(deadlineCheckInterval, "deadlineCheckInterval");
        Objects.requireNonNull(resyncPeriod, "resyncPeriod");
        if (!DNS_LABEL.matcher(namespace).matches()) {
            throw new IllegalArgumentException("namespace must be a Kubernetes namespace name (lower-case letters,"
                    + " digits and dashes, at most 63), got '" + namespace + "'");
        }
        podSelector.forEach(PodWatcherSettings::checkLabel);
        podSelector = Map.copyOf(podSelector);
        if (readyDeadline.isNegative() || readyDeadline.isZero()) {
            throw new IllegalArgumentException("readyDeadline must be longer than zero, got " + readyDeadline);
        }
        if (deadlineCheckInterval.isNegative() || deadlineCheckInterval.isZero()) {
            throw new IllegalArgumentException("deadlineCheckInterval must be longer than zero, got "
                    + deadlineCheckInterval);
        }
        if (resyncPeriod.isNegative() || !resyncPeriod.isZero() && resyncPeriod.compareTo(MIN_RESYNC_PERIOD) < 0) {
            throw new IllegalArgumentException("resyncPeriod must be zero (no resync) or at least "
                    + MIN_RESYNC_PERIOD.toSeconds() + "s, got " + resyncPeriod);
        }
    }

    /** Returns settings that watch every pod of {@code namespace}, with the default durations. */
    public static PodWatcherSettings forNamespace(final String namespace) {
        return new PodWatcherSettings(namespace, Map.of(), DEFAULT_READY_DEADLINE, DEFAULT_DEADLINE_CHECK_INTERVAL,
                DEFAULT_RESYNC_PERIOD);
    }

    /** Returns a copy that watches only the pods carrying every label of {@code selector}. */
    public PodWatcherSettings withPodSelector(final Map<String, String> selector) {
        return new PodWatcherSettings(namespace, selector, readyDeadline, deadlineCheckInterval, resyncPeriod);
    }

    /** Returns a copy with {@code deadline} as the readiness deadline used when the runbook sets none. */
    public PodWatcherSettings withReadyDeadline(final Duration deadline) {
        return new PodWatcherSettings(namespace, podSelector, deadline, deadlineCheckInterval, resyncPeriod);
    }

    /** Returns a copy that checks the readiness deadlines every {@code interval}. */
    public PodWatcherSettings withDeadlineCheckInterval(final Duration interval) {
        return new PodWatcherSettings(namespace, podSelector, readyDeadline, interval, resyncPeriod);
    }

    /** Returns a copy whose informer resyncs every {@code period}, or never when it is zero. */
    public PodWatcherSettings withResyncPeriod(final Duration period) {
        return new PodWatcherSettings(namespace, podSelector, readyDeadline, deadlineCheckInterval, period);
    }

    private static void checkLabel(final String key, final String value) {
        final int slash = key.indexOf('/');
        final boolean validKey = slash < 0 ? LABEL_NAME.matcher(key).matches()
                : LABEL_PREFIX.matcher(key.substring(0, slash)).matches()
                        && LABEL_NAME.matcher(key.substring(slash + 1)).matches();
        if (!validKey) {
            throw new IllegalArgumentException("podSelector key must be a Kubernetes label key, an optional DNS"
                    + " prefix and '/' then a name of at most 63 letters, digits, '-', '_' or '.', got '" + key + "'");
        }
        if (!value.isEmpty() && !LABEL_NAME.matcher(value).matches()) {
            throw new IllegalArgumentException("podSelector value of " + key + " must be a Kubernetes label value"
                    + " (at most 63 letters, digits, '-', '_' or '.'), got '" + value + "'");
        }
    }
}
