package io.ragreactor.shadow;

import io.ragreactor.schemas.command.RecoveryCommand;
import java.util.List;

/**
 * The output of one shadow replay: its commands, their differences from the recorded ones, and counts.
 *
 * @param commands the shadow's commands, in the order the topology issued them
 * @param diff the differences from the recorded commands
 * @param inputsReplayed health events and control records piped into the topology
 * @param outcomesFed recorded outcomes fed back because the shadow issued their command
 * @param unusedOutcomeCommandIds command ids of recorded outcomes that were not fed back, because the shadow
 *                                never issued their command
 * @param unansweredCommandIds command ids of shadow commands without a recorded outcome. Each of them timed
 *                             out at its deadline unless the replay ended first
 * @param deadLettered inputs the topology rejected to its dead-letter topic
 */
public record ShadowResult(List<RecoveryCommand> commands, CommandDiff diff, int inputsReplayed, int outcomesFed,
                           List<String> unusedOutcomeCommandIds, List<String> unansweredCommandIds,
                           int deadLettered) {

    public ShadowResult {
        commands = List.copyOf(commands);
        unusedOutcomeCommandIds = List.copyOf(unusedOutcomeCommandIds);
        unansweredCommandIds = List.copyOf(unansweredCommandIds);
    }

    /** Returns one line on what the replay fed and produced, next to the diff's own summary. */
    public String summary() {
        return "replayed " + inputsReplayed + " inputs and fed back " + outcomesFed + " recorded outcomes; "
                + commands.size() + " shadow commands, " + unansweredCommandIds.size() + " of them without a recorded outcome; "
                + unusedOutcomeCommandIds.size() + " recorded outcomes unused; " + deadLettered + " inputs dead-lettered";
    }
}
