package dev.mentor.training.run;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunEvent;
import java.util.List;

/**
 * Everything besides tensors that a run needs to continue exactly where it stopped: the phase and
 * epochs done, the optimiser's step, the stopping rules' memory, whether the overfitting detector ended the
 * run, the learning curve and events, and a student's teacher-cache lookups and hits.
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
    long[] teacherCache) {}
