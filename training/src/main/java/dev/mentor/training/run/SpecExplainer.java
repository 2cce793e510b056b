package dev.mentor.training.run;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.mentor.messages.record.DataProvenance;
import dev.mentor.messages.spec.ArmSpec.Strategy;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.AugmentationSpec;
import dev.mentor.messages.spec.DistillSpec.TeacherInput;
import dev.mentor.messages.spec.DistillSpec;
import dev.mentor.messages.spec.EarlyStoppingSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.OptimizerSpec;
import dev.mentor.messages.spec.ScheduleSpec;
import dev.mentor.messages.spec.TaskSpec;
import dev.mentor.messages.spec.TeacherSpec;
import dev.mentor.training.data.SourceData;
import dev.mentor.training.data.TaskData;
import dev.mentor.training.distill.DistillationMethods;
import dev.mentor.training.distill.DistillationObjective;
import dev.mentor.training.distill.LogitMethod;
import dev.mentor.training.loop.FreezePlan;
import dev.mentor.training.model.ModelZoo;
import dev.mentor.training.model.StagedModel;
import dev.mentor.training.optim.StageLearningRates;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * What an experiment will train, written out for a person before hours are spent on it
 * ({@code mentor validate --explain}): per task, the classes and the samples of each split; per
 * arm, the model, where its weights start, each phase's stages (trained or frozen, BatchNorm mode,
 * learning rate), the loss with its constants, the teacher and its classes, and which epoch's
 * weights are evaluated. Everything is read from the resolved spec and the code paths that train
 * it (the phases, the freeze plan's BatchNorm rules, the stage learning rates, the loss
 * description), not restated, so the text cannot drift from what runs.
 */
final class SpecExplainer {
  private final ExperimentSpec spec;
  private final SourceData source;
  private final List<DataProvenance.DataFile> files;
  private final BiFunction<String, Long, TaskData> split;
  private final StringBuilder out = new StringBuilder();

  /** {@code files}: what the data was read from; {@code split} gives a task's splits at a seed, as the runs will draw them. */
  SpecExplainer(ExperimentSpec spec, SourceData source, List<DataProvenance.DataFile> files, BiFunction<String, Long, TaskData> split) {
    this.spec = spec;
    this.source = source;
    this.files = files;
    this.split = split;
  }

  String explain() {
    long runs = spec.arms().stream().mapToLong(ArmSpec::memberCount).sum() * spec.seeds().size();
    line("# " + spec.name() + ": what will be trained");
    if (!spec.description().isBlank()) {
      line("");
      line(spec.description().strip());
    }
    line("");
    var train = source.train();
    line("Data: " + spec.data().source() + ", " + train.channels() + "×"
        + train.height() + "×" + train.width() + " images, " + source.numClasses() + " classes; " + count(train.size()) + " training-file and "
        + count(source.test().size()) + " test-file samples. Seeds " + joined(spec.seeds()) + ": every arm runs once per seed, "
        + spec.arms().size() + " arms × " + spec.seeds().size() + " seeds = " + runs + " trained models"
        + (runs == (long) spec.arms().size() * spec.seeds().size() ? "" : " (ensemble members counted)") + ".");
    if (!files.isEmpty()) {
      line("");
      line("Read from:");
      for (DataProvenance.DataFile file : files) {
        line("- " + file.path() + " (" + count(file.bytes()) + " bytes, SHA-256 " + file.sha256().substring(0, 16) + "…)");
      }
    }
    line("");
    line("## Tasks (splits at seed " + spec.seeds().get(0) + ")");
    line("");
    for (Map.Entry<String, TaskSpec> task : spec.tasks().entrySet()) {
      task(task.getKey(), task.getValue());
    }
    line("");
    line("## Arms");
    for (ArmSpec arm : spec.arms()) {
      line("");
      arm(arm);
    }
    return out.toString();
  }

  private void task(String name, TaskSpec task) {
    TaskData data = split.apply(name, spec.seeds().get(0));
    List<String> labels = new ArrayList<>();
    for (int j = 0; j < task.classes().size(); j++) {
      labels.add(j + " = " + source.classNames().get(task.classes().get(j)) + " (class " + task.classes().get(j) + ")");
    }
    String sameAs = spec.tasks().entrySet().stream().takeWhile(t -> !t.getKey().equals(name))
        .filter(t -> t.getValue().classes().equals(task.classes())).map(Map.Entry::getKey).findFirst().orElse(null);
    List<String> overlapping = spec.tasks().entrySet().stream().filter(t -> !t.getKey().equals(name) && t.getValue().allowOverlap()
        && t.getValue().classes().stream().anyMatch(task.classes()::contains)).map(Map.Entry::getKey).toList();
    String heldOut = overlapping.isEmpty() ? "held out of the training file; no task of this experiment trains on it"
        : "held out of the training file; " + String.join(", ", overlapping) + " may train on it (allowOverlap)";
    String perClass = task.perClass() == null ? "every training-file sample not held out" : task.perClass() + " per class";
    String validation = task.effectiveValidationPerClass() == -1 ? "10% of each class" : task.effectiveValidationPerClass() + " per class";
    line("- **" + name + "**: " + (sameAs == null ? "labels " + String.join(", ", labels) : "the labels of " + sameAs) + ". Training " + count(data.train().size()) + " samples (" + perClass
        + "), validation " + count(data.validation().size()) + " (" + validation + ", " + heldOut + "), test "
        + count(data.test().size()) + " (" + (task.testPerClass() == null ? "the whole test file" : task.testPerClass() + " per class") + ")"
        + (task.shift() == null ? "" : "; every split under the shift " + task.shift().label())
        + (task.ood().isEmpty() ? "" : "; also tested under " + String.join(", ", task.ood().stream().map(s -> s.label()).toList())) + ".");
  }

  private void arm(ArmSpec arm) {
    String role = arm.distill() != null ? ", student" : arm.ensemble() != null ? ", deep ensemble of " + arm.ensemble().members() + " members" : "";
    line("### " + arm.name() + " (task " + arm.task() + role + ")");
    line("");
    if (arm.sweepPoint() != null) {
      line("Sweep: one arm of arms[" + arm.sweepPoint().index() + "] " + arm.sweepPoint().arm() + ", at " + arm.sweepPoint().describe() + ".");
      line("");
    }
    List<Integer> classes = spec.tasks().get(arm.task()).classes();
    var train = source.train();
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(arm.model(), classes.size(), new Shape(train.channels(), train.height(), train.width()), manager, 0);
      line("Model: " + RunExecutor.describe(arm.model()) + ", " + count(weights(model, null)) + " parameters; " + start(arm) + ".");
      List<Phase> phases = Phase.of(arm);
      if (phases.isEmpty()) {
        line("");
        line(arm.strategy() == Strategy.BN_ADAPT
            ? "Training: none. No weight changes: BatchNorm running statistics are recomputed on the task's training split (one pass), then the"
                + " model is evaluated."
            : "Training: none. The starting weights, head included, are evaluated unchanged (the no-adaptation baseline).");
      }
      int steps = Math.max(1, (int) Math.ceil(split.apply(arm.task(), spec.seeds().get(0)).train().size() / (double) arm.batchSize()));
      for (int p = 0; p < phases.size(); p++) {
        phase(arm, model, phases.get(p), phases.size() > 1 ? "Phase " + (p + 1) + " of " + phases.size() + " (" + phases.get(p).name() + ")" : "Training",
            steps);
      }
    }
    line("");
    line("Loss: " + loss(arm) + ".");
    if (arm.distill() != null) {
      line("");
      line("Teacher: " + teacher(arm) + ".");
    }
    if (arm.ensemble() != null) {
      line("");
      line("Members: " + arm.ensemble().members() + ", each initialised from its own seed; evaluated as the ensemble of their averaged probabilities"
          + (arm.ensemble().codistill() == null ? (arm.stacksMembers() ? ", trained independently but stacked as one model with grouped layers"
              : ", trained independently")
              : ", co-distilled: member i adds weight " + arm.ensemble().codistill().weight() + " × T²·KL(mean of peers ‖ p_i) at T = "
                  + arm.ensemble().codistill().temperature() + " after " + arm.ensemble().codistill().burnIn()
                  + " burn-in epochs, peers at most " + arm.ensemble().codistill().staleness() + " epoch(s) stale") + ".");
    }
    line("");
    line("Evaluated: " + selection(arm) + ".");
  }

  private String start(ArmSpec arm) {
    if (arm.init() == null) {
      return "weights from random initialisation, drawn from the run's seed";
    }
    String from = arm.init().from() != null ? "arm " + arm.init().from() + " trained with the same seed" : "the checkpoint " + arm.init().checkpoint();
    if (arm.init().keepHead()) {
      return "every stage, head included, loaded from " + from + " (its head predicts this task's classes in this order: checked)";
    }
    return "every stage but the head loaded from " + from + "; a new head for this task's " + spec.tasks().get(arm.task()).classes().size()
        + " classes, randomly initialised";
  }

  private void phase(ArmSpec arm, StagedModel model, Phase phase, String title, int steps) {
    OptimizerSpec o = phase.optimizer();
    line("");
    line(title + ": " + phase.epochs() + (phase.epochs() == 1 ? " epoch" : " epochs") + " of " + steps + " steps at batch " + arm.batchSize() + ", " + optimizer(o) + ", "
        + schedule(phase.schedule()) + augmentation(arm.augmentation())
        + (phase.earlyStopping() == null ? "" : "; " + earlyStopping(phase.earlyStopping())) + ".");
    line("");
    line("| stage | parameters | weights | BatchNorm | dropout | peak learning rate |");
    line("|---|---:|---|---|---|---:|");
    List<String> stages = model.stageNames();
    for (int i = 0; i < stages.size(); i++) {
      String stage = stages.get(i);
      boolean trained = phase.trainedStages().contains(stage);
      boolean norms = !model.batchNorms(stage).isEmpty();
      boolean affine = FreezePlan.affineTrains(arm.batchNorm(), trained);
      boolean statistics = FreezePlan.statisticsUpdate(arm.batchNorm(), trained);
      String bn = !norms ? "—" : (statistics ? "batch statistics, running statistics updated" : "running (inference) statistics")
          + (affine ? "; scale and shift trained" : "; scale and shift fixed");
      boolean anyTrains = trained || (norms && affine);
      double rate = o.lr() * StageLearningRates.factor(i, stages.size(), o.layerDecay());
      String dropout = model.dropouts(stage).isEmpty() ? "—" : trained ? "p = " + number(arm.model().dropout()) : "off (frozen stage)";
      line("| " + stage + " | " + count(weights(model, stage)) + " | " + (trained ? "trained" : "frozen") + " | " + bn + " | " + dropout + " | "
          + (anyTrains ? number(rate) + (trained ? "" : " (BatchNorm scale and shift only)") : "—") + " |");
    }
    if (arm.pruning() != null) {
      line("");
      line("Pruning: before training, the " + number(arm.pruning().fraction() * 100) + "% smallest-magnitude kernel weights ("
          + arm.pruning().scope() + " ranking) are set to zero and kept at zero after every step.");
    }
  }

  private String loss(ArmSpec arm) {
    if (arm.psKd() != null) {
      return "PS-KD: cross-entropy against (1 − α_t)·y + α_t·p_{t−1}, the label mixed with the model's own softmax for the sample in its"
          + " previous epoch's training pass (the label before the first), α_t = " + number(arm.psKd().alpha()) + "·t/"
          + RunExecutor.plannedEpochs(arm) + " at epoch t, averaged over the batch";
    }
    if (arm.distill() == null) {
      return arm.strategy().keepsWeights() ? "none (nothing is trained)"
          : "cross-entropy with the labels, averaged over the batch";
    }
    DistillSpec d = arm.distill();
    int members = 1;
    if (!d.teacher().armNames().isEmpty()) {
      members = d.teacher().armNames().stream().mapToInt(name -> spec.arm(name).memberCount()).sum();
    }
    String formula = DistillationObjective.describeLoss(d, members).replace("; inference at T = 1", "");
    LogitMethod method = DistillationMethods.logits(d);
    return formula + method.constants(d, SpecExplainer::number) + (method.readsTeacherLogits() ? "; the model predicts at T = 1" : "");
  }

  private String teacher(ArmSpec arm) {
    TeacherSpec t = arm.distill().teacher();
    List<Integer> classes = spec.tasks().get(arm.task()).classes();
    String input = arm.distill().teacherInput() == TeacherInput.CLEAN ? "the student's samples without the task's shift" : "the student's own inputs";
    if (t.arms() != null) {
      return "the ensemble of arms " + String.join(", ", t.arms()) + " trained with the same seed (their probabilities averaged), in inference"
          + " mode, predicting this task's classes " + classes + "; it sees " + input;
    }
    if (t.arm() != null) {
      ArmSpec teacher = spec.arm(t.arm());
      return "arm " + t.arm() + " (" + RunExecutor.describe(teacher.model()) + ", task " + teacher.task() + ") trained with the same seed, in"
          + " inference mode, predicting classes " + spec.tasks().get(teacher.task()).classes() + " in the order of this task's labels "
          + classes + "; it sees " + input;
    }
    return "the checkpoint " + t.checkpoint() + " (" + RunExecutor.describe(t.model()) + "), in inference mode, its head checked to predict classes "
        + classes + "; it sees " + input;
  }

  private static String selection(ArmSpec arm) {
    List<Phase> phases = Phase.of(arm);
    EarlyStoppingSpec stopping = phases.isEmpty() ? null : phases.get(phases.size() - 1).earlyStopping();
    String overfitting = "overfitting (training loss falling while validation loss rises for " + arm.overfitting().epochs() + " epochs) "
        + (arm.overfitting().stop() ? "ends the run there" + (stopping == null ? ", and then the best validation epoch's weights by loss are evaluated" : "")
            : "is recorded as an event");
    if (phases.isEmpty()) {
      return "the adapted weights, on validation, test and shifted test data";
    }
    return (stopping != null ? "the weights of the best validation epoch by " + stopping.metric() : "the last epoch's weights")
        + ", on validation, test and shifted test data; " + overfitting;
  }

  private static String optimizer(OptimizerSpec o) {
    return switch (o.type()) {
      case SGD -> "SGD (momentum " + number(o.momentum()) + ")";
      case ADAMW -> "AdamW";
      case ADAM -> "Adam";
    } + " at learning rate " + number(o.lr()) + (o.weightDecay() > 0 ? ", weight decay " + number(o.weightDecay())
        + (o.type() == OptimizerSpec.Type.ADAMW ? " (decoupled)" : " (L2, added to the gradient)") : ", no weight decay")
        + (o.layerDecay() < 1 ? ", layer decay " + number(o.layerDecay()) + " (each stage learns at that times the rate of the next)" : "");
  }

  private static String schedule(ScheduleSpec s) {
    String warmup = s.warmupEpochs() > 0 ? "linear warmup over " + number(s.warmupEpochs()) + " epoch(s), then " : "";
    return warmup + switch (s.decay()) {
      case COSINE -> "cosine decay to " + number(s.minLrFactor()) + " × the peak";
      case STEP -> "× " + number(s.stepFactor()) + " every " + s.stepEpochs() + " epochs";
      case NONE -> "a constant rate";
    };
  }

  private static String augmentation(AugmentationSpec a) {
    List<String> parts = new ArrayList<>();
    if (a.cropPadding() > 0) {
      parts.add("random crops with " + a.cropPadding() + " pixels of padding");
    }
    if (a.flip()) {
      parts.add("horizontal flips");
    }
    if (a.noise() > 0) {
      parts.add("Gaussian noise σ = " + number(a.noise()));
    }
    return parts.isEmpty() ? ", no augmentation" : ", augmented with " + String.join(", ", parts);
  }

  private static String earlyStopping(EarlyStoppingSpec e) {
    return "stops when validation " + e.metric() + " has not improved" + (e.minDelta() > 0 ? " by more than " + number(e.minDelta()) : "")
        + " for " + e.patience() + " epochs, and restores the best epoch's weights";
  }

  /** Trainable values (running statistics left out) of one stage, or of the model when {@code stage} is null. */
  private static long weights(StagedModel model, String stage) {
    Map<String, Parameter> params = stage == null ? model.namedParameters() : model.namedParameters(stage);
    return params.values().stream()
        .filter(p -> p.getType() != Parameter.Type.RUNNING_MEAN && p.getType() != Parameter.Type.RUNNING_VAR)
        .mapToLong(p -> p.getArray().size()).sum();
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String number(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e9 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.6g", v).replaceAll("\\.?0+$", "");
  }

  private static String joined(List<Long> values) {
    return String.join(", ", values.stream().map(String::valueOf).toList());
  }

  private void line(String text) {
    out.append(text).append('\n');
  }
}
