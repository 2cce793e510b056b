package dev.mentor.training.run;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunEvent;
import java.util.List;

/**
 * Everything besides tensors that a run needs to continue exactly where it stopped: the phase and
 * epochs done, the optimiser's step, the stopping rules' memory, whether the overfitting detector ended the
 * run, the learning curve and events, a student's teacher-cache lookups and hits, and, in a phase
 * without early stopping whose run the overfitting detector may stop, the best validation loss and
 * its epoch ({@code bestByLoss}, in {@link dev.mentor.training.loop.EarlyStopping#state()}'s layout;
 * null otherwise and in checkpoints written before it existed).
 */
record CheckpointState(
    int phase,
    int phaseEpochsDone,
    int epochsDone,
    int optimizerStep,
    double[] earlyStopping,
    double[] overfitting,
    int bestEpoch,
    boolean stopped,
    List<EpochMetrics> history,
    List<RunEvent> events,
    long[] teacherCache,
    double[] bestByLoss) {}
