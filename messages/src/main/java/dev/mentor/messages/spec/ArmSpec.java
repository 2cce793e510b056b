package dev.mentor.messages.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/**
 * One arm of an experiment: a model trained on a task with a strategy, run once per seed.
 * Strategies:
 * <ul>
 *   <li>{@code scratch}: every stage trained from random initialisation</li>
 *   <li>{@code linear-probe}: weights from {@code init}, every stage frozen but the head</li>
 *   <li>{@code partial}: weights from {@code init}, the last {@code lastStages} stages before the head
 *       (or the stages listed in {@code trainStages}) and the head trained, the rest frozen</li>
 *   <li>{@code full}: weights from {@code init}, every stage trained</li>
 *   <li>{@code lp-ft}: a linear probe to convergence ({@code lpFt}), then full fine-tuning from it</li>
 *   <li>{@code bn-adapt}: weights from {@code init}; no weight changes, BatchNorm running statistics
 *       recomputed on the task's training data ("an epoch at learning rate 0"), then evaluated</li>
 *   <li>{@code none}: weights from {@code init} evaluated unchanged (the no-adaptation baseline; needs
 *       {@code init.keepHead} unless only the backbone matters)</li>
 * </ul>
 * BatchNorm modes ({@code batchNorm}): {@code follow-stage} (default: BatchNorm trains with its stage
 * and is frozen with it), {@code train} (statistics and affine always trained, even in frozen stages),
 * {@code frozen} (inference statistics, affine fixed, everywhere), {@code stats-only} (running
 * statistics adapt to the target data, affine fixed), {@code affine-only} (inference statistics,
 * affine trained, even in frozen stages). Whatever the mode, dropout in a frozen stage is off (the
 * identity), as in inference.
 *
 * <p>With {@code distill} the arm is a student of a teacher (see {@link DistillSpec}); with
 * {@code ensemble} it trains several members from their own seeds and is evaluated as their
 * ensemble (see {@link EnsembleSpec}).
 *
 * <p>With {@code psKd} the arm distils from its own predictions of the previous epoch (see
 * {@link PsKdSpec}). An arm written with {@code bornAgain} is expanded into its generations when
 * the spec is read (see {@link BornAgainSpec}); each generated arm carries its
 * {@code generation} (see {@link GenerationPoint}).
 *
 * <p>An arm expanded from a {@code sweep} carries its {@code sweepPoint}: the arm as written and
 * its values of the sweep's axes (see {@link SweepPoint}); a hand-written arm has none, and its
 * resolved JSON has no such key.
 */
public record ArmSpec(
    String name,
    String task,
    ModelSpec model,
    Strategy strategy,
    InitSpec init,
    Integer lastStages,
    List<String> trainStages,
    BatchNormMode batchNorm,
    OptimizerSpec optimizer,
    ScheduleSpec schedule,
    Integer epochs,
    Integer batchSize,
    AugmentationSpec augmentation,
    EarlyStoppingSpec earlyStopping,
    PruningSpec pruning,
    OverfittingSpec overfitting,
    LpFtSpec lpFt,
    DistillSpec distill,
    EnsembleSpec ensemble,
    @JsonInclude(JsonInclude.Include.NON_NULL) PsKdSpec psKd,
    @JsonInclude(JsonInclude.Include.NON_NULL) GenerationPoint generation,
    @JsonInclude(JsonInclude.Include.NON_NULL) SweepPoint sweepPoint) {

  /** The epochs of an arm that does not say. */
  public static final int DEFAULT_EPOCHS = 10;

  /** How an arm's weights start and which of them it trains (see the class comment). */
  public enum Strategy implements SpecName {
    SCRATCH, LINEAR_PROBE, PARTIAL, FULL, LP_FT,
    BN_ADAPT, NONE;

    /** Starts from pretrained weights ({@code init}): every strategy but {@code scratch}. */
    public boolean transfers() {
      return this != SCRATCH;
    }

    /** Changes no weight ({@code bn-adapt}, {@code none}): the arm adapts statistics at most. */
    public boolean keepsWeights() {
      return this == BN_ADAPT || this == NONE;
    }

    @Override
    public String toString() {
      return specName();
    }
  }

  /** What BatchNorm layers train (see the class comment). */
  public enum BatchNormMode implements SpecName {
    FOLLOW_STAGE, TRAIN, FROZEN, STATS_ONLY, AFFINE_ONLY;

    @Override
    public String toString() {
      return specName();
    }
  }

  public ArmSpec {
    name = Check.armName("name", name);
    task = Check.required("task", task);
    model = Check.required("model", model);
    strategy = strategy == null ? Strategy.SCRATCH : strategy;
    batchNorm = batchNorm == null ? BatchNormMode.FOLLOW_STAGE : batchNorm;
    optimizer = optimizer == null ? new OptimizerSpec(null, null, null, null, null) : optimizer;
    schedule = schedule == null ? ScheduleSpec.constant() : schedule;
    epochs = Check.positive("epochs", epochs == null ? DEFAULT_EPOCHS : epochs, SpecLimits.MAX_EPOCHS);
    batchSize = Check.positive("batchSize", batchSize == null ? 64 : batchSize, SpecLimits.MAX_SIZE);
    augmentation = augmentation == null ? AugmentationSpec.none() : augmentation;
    overfitting = overfitting == null ? OverfittingSpec.defaults() : overfitting;
    trainStages = trainStages == null ? List.of() : Check.noNulls("trainStages", trainStages);

    boolean transfers = strategy.transfers();
    if (transfers && init == null) {
      throw new SpecException("init", "strategy '" + strategy + "' starts from pretrained weights: give init.from (an arm) or init.checkpoint (a file)");
    }
    if (!transfers && init != null) {
      throw new SpecException("init", "strategy 'scratch' starts from random weights; remove init or choose one of: "
          + String.join(", ", SpecName.names(Strategy.class).subList(1, Strategy.values().length)));
    }
    if (model.type() == ModelSpec.Type.LOGISTIC && transfers) {
      throw new SpecException("strategy", "model 'logistic' has no backbone to transfer; use strategy 'scratch'");
    }
    List<String> stages = model.stageNames();
    List<String> backbone = stages.subList(0, stages.size() - 1);
    if (strategy == Strategy.PARTIAL) {
      if ((lastStages == null) == trainStages.isEmpty()) {
        throw new SpecException("lastStages", "strategy 'partial' needs exactly one of lastStages (a count) or trainStages (stage names)");
      }
      if (backbone.size() < 2) {
        throw new SpecException("strategy", "partial fine-tuning needs a model with at least 2 stages before the head; this one has "
            + backbone + "; use linear-probe or full");
      }
      if (lastStages != null && (lastStages < 1 || lastStages >= backbone.size())) {
        throw new SpecException("lastStages", "must be in [1, " + (backbone.size() - 1) + "] for this model (stages before the head: "
            + String.join(", ", backbone) + "), got " + lastStages);
      }
    } else if (lastStages != null || !trainStages.isEmpty()) {
      throw new SpecException(lastStages != null ? "lastStages" : "trainStages", "applies to strategy 'partial' only, this arm is '" + strategy + "'");
    }
    for (int i = 0; i < trainStages.size(); i++) {
      if (!stages.contains(trainStages.get(i))) {
        throw new SpecException("trainStages[" + i + "]", "the model has no stage " + Check.quote(trainStages.get(i)) + "; its stages: " + String.join(", ", stages));
      }
    }
    if (strategy.keepsWeights() && !init.keepHead()) {
      throw new SpecException("init.keepHead", "strategy '" + strategy + "' trains no head, so it must keep the pretrained one: set keepHead: true");
    }
    if (lpFt != null && strategy != Strategy.LP_FT) {
      throw new SpecException("lpFt", "applies to strategy 'lp-ft' only, this arm is '" + strategy + "'");
    }
    lpFt = strategy == Strategy.LP_FT && lpFt == null ? LpFtSpec.defaults() : lpFt;
    if (distill != null && strategy.keepsWeights()) {
      throw new SpecException("distill", "strategy '" + strategy + "' trains nothing, so it cannot learn from a teacher");
    }
    if (ensemble != null && strategy != Strategy.SCRATCH) {
      throw new SpecException("ensemble", "a deep ensemble draws each member's initialisation from its own seed: use strategy 'scratch', not '"
          + strategy + "'");
    }
    if (ensemble != null && distill != null) {
      throw new SpecException("ensemble", "an ensemble arm cannot also be a distillation student; distil the ensemble into a separate arm");
    }
    if (psKd != null) {
      if (distill != null) {
        throw new SpecException("psKd", "PS-KD makes the arm its own teacher, and this arm also has distill; an arm learns from one"
            + " teacher: remove psKd or distill");
      }
      if (ensemble != null) {
        throw new SpecException("psKd", "applies to an arm that trains one model; for an ensemble, give each member its own arm");
      }
      if (strategy.keepsWeights()) {
        throw new SpecException("psKd", "strategy '" + strategy + "' trains nothing, so it has no past predictions to learn from");
      }
    }
    if (ensemble != null && Boolean.TRUE.equals(ensemble.stacked())) {
      String obstacle = stackingObstacle(model, batchNorm, earlyStopping, pruning, overfitting);
      if (obstacle != null) {
        throw new SpecException("ensemble.stacked", obstacle + "; set stacked: false to train the members one after another");
      }
    }
    if (distill != null && distill.hintEpochs() > 0 && !trainedStages(strategy, model, lastStages, trainStages).contains(distill.hintTerm().pairs().get(0).student())) {
      throw new SpecException("distill.features", "two-stage FitNets trains the student up to its guided stage "
          + Check.quote(distill.hintTerm().pairs().get(0).student()) + ", which strategy '" + strategy + "' keeps frozen; use hintEpochs: 0 or train that stage");
    }
    if (distill != null) {
      for (int i = 0; i < distill.features().size(); i++) {
        List<StagePair> pairs = distill.features().get(i).pairs();
        for (int j = 0; j < pairs.size(); j++) {
          if (!stages.contains(pairs.get(j).student())) {
            throw new SpecException("distill.features[" + i + "].pairs[" + j + "].student", "the student model has no stage "
                + Check.quote(pairs.get(j).student()) + "; its stages: " + String.join(", ", stages));
          }
        }
      }
    }
  }

  /** Number of models this arm trains per seed: its ensemble's members, or 1. */
  public int memberCount() {
    return ensemble == null ? 1 : ensemble.members();
  }

  /**
   * Whether this arm's ensemble members train stacked as one model (see {@link EnsembleSpec}):
   * {@code ensemble.stacked}, or when left out, {@link EnsembleSpec#STACKED_BY_DEFAULT} for an
   * arm that can be stacked.
   */
  public boolean stacksMembers() {
    if (ensemble == null || ensemble.codistill() != null || Boolean.FALSE.equals(ensemble.stacked())) {
      return false;
    }
    return Boolean.TRUE.equals(ensemble.stacked()) || (EnsembleSpec.STACKED_BY_DEFAULT && stackingObstacle() == null);
  }

  /**
   * Why this arm's ensemble members cannot train stacked, or null when they can. The stacker
   * stacks {@code logistic}, {@code mlp} and {@code cnn} models trained from scratch on
   * cross-entropy alone, with every member training every epoch of the arm (no early stopping,
   * no overfitting stop, no pruning) and BatchNorm training with its stage.
   */
  public String stackingObstacle() {
    return stackingObstacle(model, batchNorm, earlyStopping, pruning, overfitting);
  }

  private static String stackingObstacle(ModelSpec model, BatchNormMode batchNorm, EarlyStoppingSpec earlyStopping, PruningSpec pruning,
      OverfittingSpec overfitting) {
    if (model.type() == ModelSpec.Type.RESNET) {
      return "model 'resnet' cannot be stacked (residual blocks); the stacker stacks models 'logistic', 'mlp' and 'cnn'";
    }
    if (earlyStopping != null) {
      return "early stopping ends members at different epochs, and stacked members train every epoch together";
    }
    if (overfitting.stop()) {
      return "overfitting.stop ends members at different epochs, and stacked members train every epoch together";
    }
    if (pruning != null) {
      return "pruning is not supported by the stacker";
    }
    if (batchNorm != BatchNormMode.FOLLOW_STAGE && batchNorm != BatchNormMode.TRAIN) {
      return "batchNorm '" + batchNorm + "' is not supported by the stacker (it trains BatchNorm with its stage)";
    }
    return null;
  }

  /** Stages whose weights this arm trains (after LP-FT's probe stage, for {@code lp-ft}). */
  public List<String> trainedStages() {
    return trainedStages(strategy, model, lastStages, trainStages);
  }

  private static List<String> trainedStages(Strategy strategy, ModelSpec model, Integer lastStages, List<String> trainStages) {
    List<String> stages = model.stageNames();
    return switch (strategy) {
      case SCRATCH, FULL, LP_FT -> stages;
      case LINEAR_PROBE -> List.of("head");
      case BN_ADAPT, NONE -> List.of();
      case PARTIAL -> {
        List<String> trained = new ArrayList<>();
        if (lastStages != null) {
          trained.addAll(stages.subList(stages.size() - 1 - lastStages, stages.size() - 1));
        } else {
          trained.addAll(trainStages);
        }
        if (!trained.contains("head")) {
          trained.add("head");
        }
        yield List.copyOf(trained);
      }
    };
  }
}
