package dev.mentor.training.run;

import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.EarlyStoppingSpec;
import dev.mentor.messages.spec.OptimizerSpec;
import dev.mentor.messages.spec.ScheduleSpec;
import java.util.List;
import java.util.Set;

/**
 * One training phase of a run: which stages train, with which optimiser, schedule, epoch budget
 * and stopping rule. Most strategies have one phase; LP-FT has a probe phase (head only, to
 * convergence) followed by full fine-tuning; BatchNorm adaptation and plain evaluation have none.
 */
record Phase(String name, Set<String> trainedStages, OptimizerSpec optimizer, ScheduleSpec schedule, int epochs, EarlyStoppingSpec earlyStopping) {

  static List<Phase> of(ArmSpec arm) {
    return switch (arm.strategy()) {
      case "bn-adapt", "none" -> List.of();
      case "lp-ft" -> List.of(
          new Phase("probe", Set.of("head"),
              new OptimizerSpec(arm.optimizer().type(), arm.lpFt().lr(), arm.optimizer().momentum(), arm.optimizer().weightDecay(), 1.0),
              ScheduleSpec.constant(), arm.lpFt().epochs(), new EarlyStoppingSpec(arm.lpFt().patience(), "loss", 0.0)),
          new Phase("finetune", Set.copyOf(arm.model().stageNames()), arm.optimizer(), arm.schedule(), arm.epochs(), arm.earlyStopping()));
      default -> List.of(new Phase("train", Set.copyOf(arm.trainedStages()), arm.optimizer(), arm.schedule(), arm.epochs(), arm.earlyStopping()));
    };
  }
}
