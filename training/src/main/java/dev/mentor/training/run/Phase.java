package dev.mentor.training.run;

import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.EarlyStoppingSpec;
import dev.mentor.messages.spec.OptimizerSpec;
import dev.mentor.messages.spec.ScheduleSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One training phase of a run: which stages train, with which optimiser, schedule, epoch budget
 * and stopping rule. Most strategies have one phase; LP-FT has a probe phase (head only, to
 * convergence) followed by full fine-tuning; BatchNorm adaptation and plain evaluation have none.
 * Two-stage FitNets adds a hint phase first: the student's stages up to the guided one learn to
 * predict the teacher's hint stage (through the regressor), before the distillation phase.
 */
record Phase(String name, Set<String> trainedStages, OptimizerSpec optimizer, ScheduleSpec schedule, int epochs, EarlyStoppingSpec earlyStopping) {

  /** The phase name of FitNets' hint pre-training (two-stage FitNets), which precedes the arm's own phases. */
  static final String HINT = "hint";

  static List<Phase> of(ArmSpec arm) {
    List<Phase> own = ownPhases(arm);
    if (arm.distill() == null || arm.distill().hintEpochs() == 0 || own.isEmpty()) {
      return own;
    }
    List<String> stages = arm.model().stageNames();
    String guided = arm.distill().hintTerm().pairs().get(0).student();
    Set<String> upToGuided = new HashSet<>(stages.subList(0, stages.indexOf(guided) + 1));
    upToGuided.retainAll(arm.trainedStages());
    Phase hint = new Phase(HINT, Set.copyOf(upToGuided), arm.optimizer(), ScheduleSpec.constant(),
        arm.distill().hintEpochs(), null);
    List<Phase> all = new ArrayList<>();
    all.add(hint);
    all.addAll(own);
    return List.copyOf(all);
  }

  private static List<Phase> ownPhases(ArmSpec arm) {
    return switch (arm.strategy()) {
      case BN_ADAPT, NONE -> List.of();
      case LP_FT -> List.of(
          new Phase("probe", Set.of("head"),
              new OptimizerSpec(arm.optimizer().type(), arm.lpFt().lr(), arm.optimizer().momentum(), arm.optimizer().weightDecay(), 1.0),
              ScheduleSpec.constant(), arm.lpFt().epochs(), new EarlyStoppingSpec(arm.lpFt().patience(), EarlyStoppingSpec.Metric.LOSS, 0.0)),
          new Phase("finetune", Set.copyOf(arm.model().stageNames()), arm.optimizer(), arm.schedule(), arm.epochs(), arm.earlyStopping()));
      default -> List.of(new Phase("train", Set.copyOf(arm.trainedStages()), arm.optimizer(), arm.schedule(), arm.epochs(), arm.earlyStopping()));
    };
  }
}
