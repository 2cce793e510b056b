package dev.mentor.training.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.messages.tensor.TensorFrame;
import dev.mentor.messages.tensor.TensorFrameCodec;
import dev.mentor.training.data.Augmentation;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.data.SourceData;
import dev.mentor.training.data.SyntheticData;
import dev.mentor.training.engine.GradMode;
import dev.mentor.training.loop.Batches;
import dev.mentor.training.model.ModelZoo;
import dev.mentor.training.model.StagedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * An ensemble teacher's outputs have one layout from its forward pass to the loss, sample-major
 * {@code [batch, members, classes]}: its target is the same whether the teacher runs live, its
 * logits come back from the cache, or they cross the tensor-frame codec as a streamed teacher's
 * do. Three members and a batch of five, all with distinct logits, so a transposition anywhere
 * would give another target.
 */
class TeacherOutputLayoutTest {
  private static final SourceData DATA = SyntheticData.generate(3, 16, 8, 8, 3);
  private static final Normalization NORMALIZATION = Normalization.fit(DATA.train());
  private static final Shape INPUT = new Shape(1, 8, 8);
  private static final ModelSpec MODEL = new ModelSpec(ModelSpec.Type.CNN, null, List.of(4, 8), 16, null, null);
  private static final int MEMBERS = 3;
  private static final int CLASSES = 3;
  private static final int BATCH = 5;
  private static final double TEMPERATURE = 4;

  @Test
  void teacherForward_isSampleMajor_eachSamplesRowHoldingEveryMembersOwnLogits() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      Teacher teacher = ensemble(manager);
      Batches.Batch batch = batches().get(0, manager);

      NDArray logits = teacher.forward(batch.inputs(), Set.of()).memberLogits();

      assertThat(logits.getShape()).isEqualTo(new Shape(BATCH, MEMBERS, CLASSES));
      ParameterStore store = new ParameterStore(manager, false);
      for (int m = 0; m < MEMBERS; m++) {
        float[] own = new Teacher(List.of(teacher.members().get(m)), store, "member " + m).forward(batch.inputs(), Set.of()).memberLogits()
            .toFloatArray();
        for (int s = 0; s < BATCH; s++) {
          float[] row = logits.get(s, m).toFloatArray();
          for (int c = 0; c < CLASSES; c++) {
            assertThat(row[c]).as("sample %d member %d class %d", s, m, c).isEqualTo(own[s * CLASSES + c]);
          }
        }
      }
      assertThat(distinct(logits.toFloatArray())).as("distinct values: a transposition cannot go unnoticed").isTrue();
    }
  }

  @Test
  void ensembleTarget_isTheSameLive_fromTheCache_andThroughTheFrameCodec() {
    try (NDManager manager = NDManager.newBaseManager(); GradMode off = GradMode.off()) {
      Teacher teacher = ensemble(manager);
      Batches batches = batches();
      Batches.Batch batch = batches.get(0, manager);
      TeacherOutputs live = new LiveTeacherOutputs(teacher, null);
      TeacherCache cache = new TeacherCache(MEMBERS * CLASSES);
      TeacherCache.Counter counter = new TeacherCache.Counter();
      TeacherOutputs cached = new CachedTeacherOutputs(live, MEMBERS, cache, counter);

      Targets fromLive = Targets.of(live.forBatch(1, 0, batch, Set.of(), manager).memberLogits());
      Targets onMiss = Targets.of(cached.forBatch(1, 0, batch, Set.of(), manager).memberLogits());
      Targets fromCache = Targets.of(cached.forBatch(2, 0, batch, Set.of(), manager).memberLogits());
      Targets throughFrames = Targets.of(new RemoteTeacherOutputs(framed(teacher, batch), MEMBERS, CLASSES)
          .forBatch(1, 0, batch, Set.of(), manager).memberLogits());

      assertThat(counter.hits()).as("the second batch came from the cache").isEqualTo(BATCH);
      for (Targets other : List.of(onMiss, fromCache, throughFrames)) {
        assertThat(other.logits).containsExactly(fromLive.logits);
        assertThat(other.meanOfProbabilities).containsExactly(fromLive.meanOfProbabilities);
        assertThat(other.fromMeanLogits).containsExactly(fromLive.fromMeanLogits);
        assertThat(other.meanLogits).containsExactly(fromLive.meanLogits);
      }
      assertThat(fromLive.meanOfProbabilities).as("the mean of the members' tempered probabilities, by hand")
          .containsExactly(byHand(fromLive.logits), offset(1e-6f));
    }
  }

  /** The teacher's logits of {@code batch} as a streamed teacher sends them: one frame through the codec, checked against the samples asked for. */
  private static RemoteTeacher framed(Teacher teacher, Batches.Batch batch) {
    NDArray logits = teacher.forward(batch.inputs(), Set.of()).memberLogits();
    TensorFrame sent = new TensorFrame("exp", "teacher", "teacher", "logits", 1, 0, batch.sampleIds(), TensorFrame.DType.FLOAT32,
        logits.getShape().getShape(), logits.toFloatArray());
    TensorFrame received = TensorFrameCodec.decode(TensorFrameCodec.encode(sent));
    return (epoch, index, sampleIds) -> {
      received.requireAligned(sampleIds);
      return received.values();
    };
  }

  /** Per sample and class, the mean over members of softmax(z / T), from sample-major logits. */
  private static float[] byHand(float[] logits) {
    float[] out = new float[BATCH * CLASSES];
    for (int s = 0; s < BATCH; s++) {
      for (int m = 0; m < MEMBERS; m++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < CLASSES; c++) {
          max = Math.max(max, logits[(s * MEMBERS + m) * CLASSES + c] / TEMPERATURE);
        }
        double sum = 0;
        for (int c = 0; c < CLASSES; c++) {
          sum += Math.exp(logits[(s * MEMBERS + m) * CLASSES + c] / TEMPERATURE - max);
        }
        for (int c = 0; c < CLASSES; c++) {
          out[s * CLASSES + c] += (float) (Math.exp(logits[(s * MEMBERS + m) * CLASSES + c] / TEMPERATURE - max) / sum / MEMBERS);
        }
      }
    }
    return out;
  }

  /** The teacher's logits and the targets the logit methods read from them, copied out at once (the arrays' buffer is reused). */
  private record Targets(float[] logits, float[] meanOfProbabilities, float[] fromMeanLogits, float[] meanLogits) {
    static Targets of(NDArray memberLogits) {
      assertThat(memberLogits.getShape()).isEqualTo(new Shape(BATCH, MEMBERS, CLASSES));
      return new Targets(memberLogits.toFloatArray(), EnsembleTargets.probabilities(memberLogits, TEMPERATURE, false).toFloatArray(),
          EnsembleTargets.probabilities(memberLogits, TEMPERATURE, true).toFloatArray(), EnsembleTargets.meanLogits(memberLogits).toFloatArray());
    }
  }

  private static Teacher ensemble(NDManager manager) {
    List<StagedModel> members = new ArrayList<>();
    for (int m = 0; m < MEMBERS; m++) {
      members.add(ModelZoo.create(MODEL, CLASSES, INPUT, manager, 7 + m));
    }
    return new Teacher(members, new ParameterStore(manager, false), "test ensemble");
  }

  private static Batches batches() {
    return new Batches(DATA.train(), BATCH, NORMALIZATION, Augmentation.none());
  }

  private static boolean distinct(float[] values) {
    return Arrays.stream(toDoubles(values)).distinct().count() == values.length;
  }

  private static double[] toDoubles(float[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }
}
