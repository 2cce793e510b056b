package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import dev.mentor.messages.spec.DistillSpec.LogitMode;
import dev.mentor.messages.spec.DistillSpec;
import dev.mentor.messages.spec.FeatureTermSpec.Method;
import dev.mentor.messages.spec.FeatureTermSpec;
import dev.mentor.messages.spec.StagePair;
import dev.mentor.training.loop.Batches;
import dev.mentor.training.loop.CrossEntropy;
import dev.mentor.training.loop.Objective;
import dev.mentor.training.model.StagedModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A student's training objective under a teacher, as a {@link CompositeLoss} of named terms:
 * {@code ce} (hard labels, weight 1 − α), {@code kd} (soft targets, T²·KL batchmean, weight α) or
 * {@code logits} (logit MSE, weight α), and one term per matched stage pair of each feature method
 * ({@code attention:s>t} in the spec's form, {@code similarity:s>t}, {@code fitnets:s>t}) with the method's weight.
 * The student's logits and tapped stages come from the training forward pass; the teacher's
 * outputs are for exactly the samples of the batch, from one {@link TeacherOutputs}: streamed
 * from elsewhere, cached when the teacher's input repeats across epochs and only logits are
 * needed, otherwise computed live. Each method's term comes from {@link DistillationMethods}.
 * In the hint phase of two-stage FitNets the objective is the hint term alone.
 */
public final class DistillationObjective implements Objective {
  private final CompositeLoss loss;
  private final Set<String> studentTaps;
  private final Set<String> teacherTaps;
  private final Map<String, HintRegressor> regressors;
  private final Map<String, String> regressorInput;
  private final List<Parameter> trainedExtra;
  private final ParameterStore store;
  private final TeacherOutputs teacherOutputs;
  private final Batches teacherBatches;
  private final DistillSpec spec;
  private final LogitMethod logitMethod;
  private final Map<String, Double> termSums = new LinkedHashMap<>();
  private long samples;
  private int epoch;

  private DistillationObjective(Builder b, List<CompositeLoss.Term> terms, Set<String> studentTaps, Set<String> teacherTaps,
      Map<String, HintRegressor> regressors, Map<String, String> regressorInput, List<Parameter> trainedExtra, LogitMethod logitMethod) {
    this.loss = new CompositeLoss(terms);
    this.studentTaps = Set.copyOf(studentTaps);
    this.teacherTaps = Set.copyOf(teacherTaps);
    this.regressors = regressors;
    this.regressorInput = regressorInput;
    this.trainedExtra = trainedExtra;
    this.store = b.store;
    this.teacherBatches = b.teacherBatches;
    this.spec = b.spec;
    this.logitMethod = logitMethod;
    if (b.remote != null) {
      this.teacherOutputs = new RemoteTeacherOutputs(b.remote, b.remoteMembers, b.remoteClasses);
    } else {
      TeacherOutputs live = new LiveTeacherOutputs(b.teacher, b.teacherBatches);
      // The cache holds logits only: with stage outputs to read, the teacher runs on every batch.
      this.teacherOutputs = teacherTaps.isEmpty() && b.cache != null ? new CachedTeacherOutputs(live, b.teacher.members().size(), b.cache, b.counter)
          : live;
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Every teacher stage any feature term of {@code spec} reads (the hint phase's included), in spec order. */
  public static Set<String> teacherStages(DistillSpec spec) {
    Set<String> stages = new LinkedHashSet<>();
    for (FeatureTermSpec f : spec.features()) {
      for (StagePair pair : f.pairs()) {
        stages.add(pair.teacher());
      }
    }
    return stages;
  }

  /** Name of the term for one stage pair of a feature method. */
  public static String termName(Method method, StagePair pair) {
    return method.specName() + ":" + pair.student() + ">" + pair.teacher();
  }

  /** The loss written out, with its reduction and where T² and α sit, for a teacher of {@code members} models. */
  public static String describeLoss(DistillSpec spec, int members) {
    LogitMethod logits = DistillationMethods.logits(spec);
    StringBuilder out = new StringBuilder(logits.formula(spec));
    for (FeatureTermSpec f : spec.features()) {
      out.append(" + ").append(f.weight()).append("·Σ_pairs ").append(DistillationMethods.feature(f).formula(f));
    }
    if (members > 1) {
      out.append(logits.ensembleTarget(spec, members));
    }
    return out.append("; inference at T = 1").toString();
  }

  public CompositeLoss compositeLoss() {
    return loss;
  }

  /** Whether teacher logits come from the cache (false: the teacher runs on every batch). */
  public boolean cached() {
    return teacherOutputs instanceof CachedTeacherOutputs;
  }

  @Override
  public Set<String> taps() {
    return studentTaps;
  }

  @Override
  public List<Parameter> extraParameters() {
    return trainedExtra;
  }

  @Override
  public void startEpoch(long seed, int epoch) {
    this.epoch = epoch;
    termSums.clear();
    samples = 0;
    if (teacherBatches != null) {
      teacherBatches.shuffle(seed, epoch);
    }
  }

  @Override
  public Map<String, Double> epochTerms() {
    Map<String, Double> means = new LinkedHashMap<>();
    termSums.forEach((name, sum) -> means.put(name, sum / Math.max(1, samples)));
    return means;
  }

  @Override
  public NDArray loss(int index, Batches.Batch batch, StagedModel.ModelOutput output, NDManager step) {
    NDList labels = new NDList();
    NDList predictions = new NDList();
    labels.add(named(batch.labels(), "labels"));
    predictions.add(named(output.logits(), "logits"));
    if (logitMethod.readsTeacherLogits() || !teacherTaps.isEmpty()) {
      Teacher.Output teacherOut = teacherOutputs.forBatch(epoch, index, batch, teacherTaps, step);
      NDArray target = logitMethod.target(teacherOut.memberLogits(), spec);
      if (target != null) {
        labels.add(target);
      }
      teacherOut.taps().forEach((stage, array) -> labels.add(named(array, "teacher:" + stage)));
    }
    output.taps().forEach((stage, array) -> predictions.add(named(array, "student:" + stage)));
    regressors.forEach((term, regressor) ->
        predictions.add(named(regressor.apply(store, output.taps().get(regressorInput.get(term)), true), "regressed:" + term)));
    NDArray total = loss.evaluate(labels, predictions);
    teacherOutputs.consumed(epoch, index);
    int n = batch.sampleIds().length;
    samples += n;
    loss.lastValues().forEach((name, value) -> termSums.merge(name, (double) value.getFloat() * n, Double::sum));
    return total;
  }

  private static NDArray named(NDArray array, String name) {
    array.setName(name);
    return array;
  }

  /**
   * Builds the objective of a distillation student. Required: {@code spec}, {@code teacher},
   * {@code store}, {@code regressors} (one per FitNets pair, by term name; may be empty).
   * Optional: a cache and its counter (used only when the teacher's logits suffice), the
   * teacher's own batches when it sees other inputs than the student, and the hint phase.
   */
  public static final class Builder {
    private DistillSpec spec;
    private Teacher teacher;
    private ParameterStore store;
    private Map<String, HintRegressor> regressors = Map.of();
    private TeacherCache cache;
    private TeacherCache.Counter counter = new TeacherCache.Counter();
    private Batches teacherBatches;
    private boolean hintPhase;
    private RemoteTeacher remote;
    private int remoteMembers;
    private int remoteClasses;

    public Builder setSpec(DistillSpec spec) {
      this.spec = spec;
      return this;
    }

    public Builder setTeacher(Teacher teacher) {
      this.teacher = teacher;
      return this;
    }

    public Builder setStore(ParameterStore store) {
      this.store = store;
      return this;
    }

    public Builder setRegressors(Map<String, HintRegressor> regressors) {
      this.regressors = regressors;
      return this;
    }

    public Builder optCache(TeacherCache cache, TeacherCache.Counter counter) {
      this.cache = cache;
      this.counter = counter;
      return this;
    }

    public Builder optTeacherBatches(Batches teacherBatches) {
      this.teacherBatches = teacherBatches;
      return this;
    }

    /** Teacher logits from elsewhere (another process, over Kafka), of {@code members} models over {@code classes}; no local teacher needed. */
    public Builder optRemoteTeacher(RemoteTeacher remote, int members, int classes) {
      this.remote = remote;
      this.remoteMembers = members;
      this.remoteClasses = classes;
      return this;
    }

    public Builder optHintPhase(boolean hintPhase) {
      this.hintPhase = hintPhase;
      return this;
    }

    public DistillationObjective build() {
      if (spec == null || (teacher == null && remote == null) || store == null) {
        throw new IllegalStateException("spec, a teacher (local or remote) and store are required");
      }
      List<CompositeLoss.Term> terms = new ArrayList<>();
      Set<String> studentTaps = new LinkedHashSet<>();
      Set<String> teacherTaps = new LinkedHashSet<>();
      Map<String, HintRegressor> active = new LinkedHashMap<>();
      Map<String, String> inputs = new LinkedHashMap<>();
      LogitMethod logits = DistillationMethods.logits(spec);
      if (hintPhase) {
        logits = DistillationMethods.logits(LogitMode.NONE);
        FeatureTermSpec hint = spec.hintTerm();
        addFeature(hint, hint.pairs().get(0), terms, studentTaps, teacherTaps, active, inputs);
      } else {
        double alpha = spec.logitWeight();
        terms.add(new CompositeLoss.Term("ce", 1 - alpha, new CrossEntropy(), List.of("labels"), List.of("logits")));
        CompositeLoss.Term logitTerm = logits.term(spec, alpha);
        if (logitTerm != null) {
          terms.add(logitTerm);
        }
        for (FeatureTermSpec f : spec.features()) {
          if (f.hintEpochs() != null && f.hintEpochs() > 0) {
            continue;
          }
          for (StagePair pair : f.pairs()) {
            addFeature(f, pair, terms, studentTaps, teacherTaps, active, inputs);
          }
        }
      }
      List<Parameter> trained = new ArrayList<>();
      regressors.forEach((name, regressor) -> {
        boolean trains = active.containsKey(name);
        regressor.namedParameters().values().forEach(p -> {
          p.freeze(!trains);
          if (trains) {
            trained.add(p);
          }
        });
      });
      return new DistillationObjective(this, terms, studentTaps, teacherTaps, active, inputs, List.copyOf(trained), logits);
    }

    private void addFeature(FeatureTermSpec f, StagePair pair, List<CompositeLoss.Term> terms, Set<String> studentTaps,
        Set<String> teacherTaps, Map<String, HintRegressor> active, Map<String, String> inputs) {
      String name = termName(f.method(), pair);
      studentTaps.add(pair.student());
      teacherTaps.add(pair.teacher());
      List<String> teacherSide = List.of("teacher:" + pair.teacher());
      FeatureMethod method = DistillationMethods.feature(f);
      Loss term = method.loss(f);
      if (method.regressed()) {
        HintRegressor regressor = regressors.get(name);
        if (regressor == null) {
          throw new IllegalStateException("no regressor for " + name);
        }
        active.put(name, regressor);
        inputs.put(name, pair.student());
        terms.add(new CompositeLoss.Term(name, f.weight(), term, teacherSide, List.of("regressed:" + name)));
      } else {
        terms.add(new CompositeLoss.Term(name, f.weight(), term, teacherSide, List.of("student:" + pair.student())));
      }
    }
  }
}
