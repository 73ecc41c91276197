package io.ragreactor.cli;

import io.ragreactor.reactor.control.ControlView;
import io.ragreactor.schemas.control.ControlRecord;
import io.ragreactor.schemas.control.KillSwitch;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Engages or releases the global kill switch: a {@link KillSwitch} record under {@code kill-switch}. Releasing
 * writes {@code engaged = false} instead of a tombstone, so the topic keeps who released it and why.
 */
abstract class KillSwitchCommand implements Callable<Integer> {

    @Mixin
    private ConnectionOptions connection;

    @Mixin
    private OperatorOptions operator;

    @Spec
    private CommandSpec spec;

    /** Whether this command engages the kill switch. */
    abstract boolean engage();

    @Override
    public Integer call() {
        final ClusterSettings settings = connection.settings();
        final String createdBy = operator.createdBy();
        final ControlRecord record = new ControlRecord(createdBy, Instant.now(), operator.reason(),
                new KillSwitch(engage()));
        final RecordMetadata written = ControlWriter.write(settings, settings.topics().control(),
                ControlView.KILL_SWITCH_KEY, record);
        final PrintWriter out = spec.commandLine().getOut();
        out.println("Wrote " + ControlView.KILL_SWITCH_KEY + " (" + (engage() ? "engaged" : "released") + " by "
                + createdBy + ") to " + ControlWriter.position(written) + ". " + (engage()
                ? "Automation is paused: no incident opens, and running ladders escalate at their next step."
                : "Automation runs again."));
        out.flush();
        return CommandLine.ExitCode.OK;
    }

    /** Engages the kill switch. */
    @CommandLine.Command(name = "pause", mixinStandardHelpOptions = true,
            description = "Pause all automation with the global kill switch: write KillSwitch(engaged=true) to"
                    + " rag.control under kill-switch. No new incident opens anywhere, running ladders escalate at"
                    + " their next step instead of acting, and scheduled commands wait. `resume` ends it.")
    static final class Pause extends KillSwitchCommand {

        @Override
        boolean engage() {
            return true;
        }
    }

    /** Releases the kill switch. */
    @CommandLine.Command(name = "resume", mixinStandardHelpOptions = true,
            description = "Let automation run again: write KillSwitch(engaged=false) to rag.control under"
                    + " kill-switch, keeping who released it and why.")
    static final class Resume extends KillSwitchCommand {

        @Override
        boolean engage() {
            return false;
        }
    }
}
