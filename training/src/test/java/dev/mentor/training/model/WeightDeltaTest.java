package dev.mentor.training.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.training.engine.ParameterFile;
import dev.mentor.training.engine.ParameterFile.Tensor;
import dev.mentor.training.model.WeightDelta.Kind;
import dev.mentor.training.model.WeightDelta.Mode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deltas of real models' weights (a CNN built by the engine) to a pretrained base: the variants a
 * transfer experiment makes (every tensor changed, the last stage and head changed, only a head
 * for other classes) stored and read back through files, as {@code mentor pack} does.
 */
class WeightDeltaTest {
  private static final Shape INPUT = new Shape(1, 28, 28);
  private static final ModelSpec CNN = new ModelSpec(ModelSpec.Type.CNN, null, List.of(8, 16), 32, null, null);
  /** The size of a fine-tuning's changes to these weights (some 0.1 in size): learning rate 3e-4 over a few hundred steps. */
  private static final float CHANGE = 1e-3f;

  @TempDir Path dir;
  private Map<String, Tensor> base;
  private Path baseFile;
  private String baseDigest;

  @BeforeEach
  void pretrainedBase() throws IOException {
    base = weights(3, 1);
    // As a trained model's would be: BatchNorm statistics and scales away from their initial 0 and 1.
    base = changed(base, name -> name.contains("BatchNorm"), 0.3f, 2);
    baseFile = dir.resolve("bases/base.params");
    Files.createDirectories(baseFile.getParent());
    ParameterFile.write(baseFile, base);
    baseDigest = ParameterFile.sha256(Files.readAllBytes(baseFile));
  }

  @Test
  void lossless_fullFineTuning_readsBackBitIdentical_andByteIdenticalAsAFile() throws IOException {
    Map<String, Tensor> tuned = changed(base, name -> true, CHANGE, 3);
    Path delta = pack(tuned, Mode.LOSSLESS);

    Map<String, Tensor> read = WeightDelta.decode(delta);
    assertBitIdentical(read, tuned);
    assertThat(ParameterFile.toBytes(read)).isEqualTo(ParameterFile.toBytes(tuned));
    assertThat(WeightDelta.contents(delta).tensors().values()).containsOnly(Kind.XOR);
    assertThat(WeightDelta.contents(delta).baseDigest()).isEqualTo(baseDigest);
    // The XOR of nearby floats is zero in its top bits: smaller than the float32 file even though every weight changed.
    assertThat(Files.size(delta)).isLessThan(ParameterFile.toBytes(tuned).length * 85L / 100);
  }

  @Test
  void lossless_partialFineTuning_storesOnlyTheTrainedStages() throws IOException {
    Map<String, Tensor> tuned = changed(base, name -> name.startsWith("stage3/") || name.startsWith("head/"), CHANGE, 4);
    Path delta = pack(tuned, Mode.LOSSLESS);

    assertBitIdentical(WeightDelta.decode(delta), tuned);
    Map<String, Kind> kinds = WeightDelta.contents(delta).tensors();
    kinds.forEach((name, kind) -> assertThat(kind).as(name)
        .isEqualTo(name.startsWith("stage3/") || name.startsWith("head/") ? Kind.XOR : Kind.UNCHANGED));
    long trainedBytes = 4L * (size(tuned, "stage3/") + size(tuned, "head/"));
    assertThat(Files.size(delta)).as("no more than the trained stages' float32 bytes and the names").isLessThan(trainedBytes + 2_000);
  }

  @Test
  void lossless_linearProbeForOtherClasses_storesOnlyTheNewHeadWhole() throws IOException {
    Map<String, Tensor> probe = new LinkedHashMap<>(base);
    Map<String, Tensor> otherHead = weights(5, 9);
    otherHead.forEach((name, t) -> {
      if (name.startsWith("head/")) {
        probe.put(name, t);
      }
    });
    probe.put(ModelWeights.CLASSES, new Tensor(new float[] {5, 6, 7, 8, 9}, new long[] {5}));
    Path delta = pack(probe, Mode.LOSSLESS);

    assertBitIdentical(WeightDelta.decode(delta), probe);
    Map<String, Kind> kinds = WeightDelta.contents(delta).tensors();
    assertThat(kinds).containsEntry(ModelWeights.CLASSES, Kind.NEW);
    kinds.forEach((name, kind) -> assertThat(kind).as(name).isEqualTo(
        name.startsWith("head/") || name.equals(ModelWeights.CLASSES) ? Kind.NEW : Kind.UNCHANGED));
    assertThat(Files.size(delta)).isLessThan(4L * size(probe, "head/") + 1_000);
  }

  @Test
  void fp16_errorIsWithinHalfPrecisionOfTheChange_andUnchangedTensorsStayExact() throws IOException {
    Map<String, Tensor> tuned = changed(base, name -> !name.startsWith("stage1/"), CHANGE, 5);
    Path delta = pack(tuned, Mode.FP16);
    Map<String, Tensor> read = WeightDelta.decode(delta);

    double worst = 0;
    for (String name : tuned.keySet()) {
      float[] want = tuned.get(name).values();
      float[] got = read.get(name).values();
      float[] from = base.get(name).values();
      double largest = 0;
      for (int i = 0; i < want.length; i++) {
        largest = Math.max(largest, Math.abs(want[i] - from[i]));
      }
      for (int i = 0; i < want.length; i++) {
        float change = want[i] - from[i];
        // Half precision: 11 significant bits of the change (scaled, so only changes 2^-29 below the tensor's largest lose more),
        // plus the float32 roundings of the change and of base + change.
        double bound = Math.abs(change) * 0x1p-11 + largest * 0x1p-40 + Math.ulp(change) + Math.ulp(want[i]);
        assertThat((double) Math.abs(got[i] - want[i])).as("%s[%d]", name, i).isLessThanOrEqualTo(bound);
        worst = Math.max(worst, Math.abs(got[i] - want[i]));
      }
      if (name.startsWith("stage1/")) {
        assertThat(got).containsExactly(want);
      }
    }
    assertThat(worst).as("lossy: something differs").isGreaterThan(0);
    assertThat(WeightDelta.contents(delta).tensors()).containsEntry("stage1/01Conv2d_weight", Kind.UNCHANGED)
        .containsEntry("stage2/01Conv2d_weight", Kind.HALF);
    long fp16Bytes = Files.size(delta);
    assertThat(fp16Bytes).isLessThan(Files.size(pack(tuned, Mode.LOSSLESS)) * 7 / 10);
  }

  @Test
  void sparse_keepsTheLargestChangesOfEachTensor_andDropsTheRest() throws IOException {
    Map<String, Tensor> tuned = changed(base, name -> true, CHANGE, 6);
    Path delta = pack(tuned, new Mode("sparse", 10));
    Map<String, Tensor> read = WeightDelta.decode(delta);

    for (String name : tuned.keySet()) {
      float[] want = tuned.get(name).values();
      float[] got = read.get(name).values();
      float[] from = base.get(name).values();
      int n = want.length;
      int kept = 0;
      float[] magnitudes = new float[n];
      for (int i = 0; i < n; i++) {
        magnitudes[i] = Math.abs(want[i] - from[i]);
        kept += got[i] != from[i] ? 1 : 0;
      }
      float[] sorted = magnitudes.clone();
      Arrays.sort(sorted);
      int keep = (int) Math.max(1, Math.ceil(n * 0.10));
      assertThat(kept).as(name).isLessThanOrEqualTo(keep).isGreaterThan(0);
      for (int i = 0; i < n; i++) {
        if (got[i] == from[i]) {
          // A dropped change is never larger than one that was kept.
          assertThat(magnitudes[i]).as("%s[%d] dropped", name, i).isLessThanOrEqualTo(sorted[n - keep]);
        } else {
          assertThat(got[i]).as("%s[%d] kept", name, i).isCloseTo(want[i], org.assertj.core.data.Offset.offset(Math.ulp(want[i]) * 2));
        }
      }
    }
    long sparseBytes = Files.size(delta);
    assertThat(sparseBytes).isLessThan(Files.size(pack(tuned, Mode.LOSSLESS)) / 3);
  }

  @Test
  void aFreshHead_isStoredWholeAndExact_evenInASparseMode() throws IOException {
    // keepHead: false: the head started from a fresh initialisation of the same shape, not from the base's head.
    Map<String, Tensor> tuned = changed(base, name -> true, CHANGE, 13);
    weights(3, 77).forEach((name, t) -> {
      if (name.startsWith("head/")) {
        tuned.put(name, t);
      }
    });
    byte[] bytes = WeightDelta.encode(base, baseDigest, "../bases/base.params", tuned, new Mode("sparse", 1), name -> name.startsWith("head/")).bytes();
    Map<String, Tensor> read = WeightDelta.decode(bytes, base);
    WeightDelta.contents(bytes).tensors().forEach((name, kind) -> assertThat(kind).as(name).isEqualTo(name.startsWith("head/") ? Kind.NEW : Kind.SPARSE));
    tuned.keySet().stream().filter(n -> n.startsWith("head/")).forEach(n -> assertThat(read.get(n).values()).as(n).containsExactly(tuned.get(n).values()));
  }

  @Test
  void ownTensors_areStoredExactlyEvenInALossyMode() throws IOException {
    Map<String, Tensor> tuned = changed(base, name -> true, CHANGE, 7);
    tuned.put(ModelWeights.NORMALIZATION, new Tensor(new float[] {0.28604066f, 0.35302424f}, new long[] {2}));
    Map<String, Tensor> withOldNormalization = new LinkedHashMap<>(base);
    withOldNormalization.put(ModelWeights.NORMALIZATION, new Tensor(new float[] {0.1f, 0.2f}, new long[] {2}));
    ParameterFile.write(baseFile, withOldNormalization);
    base = withOldNormalization;
    baseDigest = ParameterFile.sha256(Files.readAllBytes(baseFile));

    Map<String, Tensor> read = WeightDelta.decode(pack(tuned, Mode.FP16));
    assertThat(read.get(ModelWeights.NORMALIZATION).values()).containsExactly(0.28604066f, 0.35302424f);
  }

  @Test
  void aDeltaOnAnotherBase_isRefusedNamingBothFilesAndDigests_andLoadsNothing() throws IOException {
    Map<String, Tensor> tuned = changed(base, name -> true, CHANGE, 8);
    Path delta = pack(tuned, Mode.LOSSLESS);
    Path weights = dir.resolve("run/model.params");
    // Someone replaces the stored base with other weights of the same architecture.
    ParameterFile.write(baseFile, weights(3, 42));
    String otherDigest = ParameterFile.sha256(Files.readAllBytes(baseFile));

    assertThatThrownBy(() -> WeightDelta.decode(delta))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("base digest mismatch")
        .hasMessageContaining(delta.toString())
        .hasMessageContaining(baseFile.toString())
        .hasMessageContaining(baseDigest)
        .hasMessageContaining(otherDigest);
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(CNN, 3, INPUT, manager, 5);
      Map<String, Tensor> before = ModelWeights.snapshot(model);
      assertThatThrownBy(() -> ModelWeights.loadBackbone(model, weights, true)).hasMessageContaining("base digest mismatch");
      assertBitIdentical(ModelWeights.snapshot(model), before);
    }
  }

  @Test
  void anExplicitBase_isCheckedToo() throws IOException {
    Path delta = pack(changed(base, name -> true, CHANGE, 9), Mode.LOSSLESS);
    Path other = dir.resolve("other.params");
    ParameterFile.write(other, weights(3, 43));
    assertThatThrownBy(() -> WeightDelta.decode(delta, other)).hasMessageContaining("base digest mismatch").hasMessageContaining(other.toString());
  }

  @Test
  void aTruncatedDelta_isRefused() throws IOException {
    Path delta = pack(changed(base, name -> true, CHANGE, 10), Mode.LOSSLESS);
    byte[] bytes = Files.readAllBytes(delta);
    for (int keep : new int[] {4, 40, bytes.length / 2, bytes.length - 1}) {
      Files.write(delta, Arrays.copyOf(bytes, keep));
      assertThatThrownBy(() -> WeightDelta.decode(delta)).as("first %d bytes", keep).isInstanceOf(IOException.class)
          .hasMessageContaining(delta.toString()).hasMessageMatching("(?s).*(truncated|corrupt|bad magic).*");
    }
  }

  @Test
  void aCorruptDelta_isRefused() throws IOException {
    Path delta = pack(changed(base, name -> true, CHANGE, 11), Mode.LOSSLESS);
    byte[] bytes = Files.readAllBytes(delta);
    Random random = new Random(12);
    for (int trial = 0; trial < 20; trial++) {
      byte[] flipped = bytes.clone();
      // Past the header's strings: a flipped bit inside the tensors' names, shapes or payloads.
      int at = 300 + random.nextInt(bytes.length - 300);
      flipped[at] ^= (byte) (1 << random.nextInt(8));
      Files.write(delta, flipped);
      assertThatThrownBy(() -> WeightDelta.decode(delta)).as("bit flipped at %d", at).isInstanceOf(IOException.class);
    }
  }

  @Test
  void mode_parsesItsThreeForms_andRefusesOthersNamingTheAllowedOnes() {
    assertThat(Mode.parse("lossless")).isEqualTo(Mode.LOSSLESS);
    assertThat(Mode.parse("FP16")).isEqualTo(Mode.FP16);
    assertThat(Mode.parse("sparse:5")).isEqualTo(new Mode("sparse", 5));
    assertThat(Mode.parse("sparse:5").toString()).isEqualTo("sparse:5");
    assertThatThrownBy(() -> Mode.parse("zip")).hasMessageContaining("lossless, fp16, sparse:K").hasMessageContaining("zip");
    assertThatThrownBy(() -> Mode.parse("sparse:0")).hasMessageContaining("K in 1..100").hasMessageContaining("0");
    assertThatThrownBy(() -> Mode.parse("sparse:ten")).hasMessageContaining("sparse:ten");
  }

  /** Writes {@code tuned}'s delta to the base where a run folder's {@code model.delta} would. */
  private Path pack(Map<String, Tensor> tuned, Mode mode) throws IOException {
    Path delta = dir.resolve("run/model.delta");
    Files.createDirectories(delta.getParent());
    byte[] bytes = WeightDelta.encode(base, baseDigest, "../bases/base.params", tuned, mode).bytes();
    Files.write(delta, bytes);
    return delta;
  }

  private static Map<String, Tensor> weights(int classes, long seed) {
    try (NDManager manager = NDManager.newBaseManager()) {
      return ModelWeights.snapshot(ModelZoo.create(CNN, classes, INPUT, manager, seed));
    }
  }

  /** {@code from} with Gaussian changes of scale {@code scale} in the tensors {@code which} picks. */
  private static Map<String, Tensor> changed(Map<String, Tensor> from, Predicate<String> which, float scale, long seed) {
    Random random = new Random(seed);
    Map<String, Tensor> out = new LinkedHashMap<>();
    from.forEach((name, t) -> {
      float[] v = t.values().clone();
      if (which.test(name)) {
        for (int i = 0; i < v.length; i++) {
          v[i] += (float) (scale * random.nextGaussian());
        }
      }
      out.put(name, new Tensor(v, t.shape()));
    });
    return out;
  }

  private static long size(Map<String, Tensor> weights, String prefix) {
    return weights.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToLong(e -> e.getValue().values().length).sum();
  }

  private static void assertBitIdentical(Map<String, Tensor> actual, Map<String, Tensor> expected) {
    assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
    expected.forEach((name, t) -> {
      assertThat(actual.get(name).shape()).as(name).containsExactly(t.shape());
      int[] a = new int[t.values().length];
      int[] e = new int[t.values().length];
      for (int i = 0; i < a.length; i++) {
        a[i] = Float.floatToRawIntBits(actual.get(name).values()[i]);
        e[i] = Float.floatToRawIntBits(t.values()[i]);
      }
      assertThat(a).as(name).containsExactly(e);
    });
  }
}
