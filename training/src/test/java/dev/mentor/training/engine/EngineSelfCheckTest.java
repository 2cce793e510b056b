package dev.mentor.training.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The engine self-check and the reproducer of the oneDNN defect (docs/engine.md): convolution +
 * BatchNorm forward and backward through the engine against the float64 reference, on the
 * shapes the defect corrupts; the reference itself against finite differences; and a result made
 * wrong on purpose, which must stop training with a message that names the CPU, the ISA in force
 * and the fix.
 */
class EngineSelfCheckTest {
  /** The shapes the defect corrupts on AVX2/AVX-512 kernels: output channels that are not a multiple of the channel block. */
  private static final List<EngineSelfCheck.Case> DEFECT_SHAPES = List.of(
      new EngineSelfCheck.Case(8, 1, 4, 8, 3, 1),
      new EngineSelfCheck.Case(8, 4, 8, 4, 3, 1),
      new EngineSelfCheck.Case(16, 4, 12, 8, 3, 1),
      new EngineSelfCheck.Case(16, 19, 38, 6, 3, 2),
      new EngineSelfCheck.Case(128, 8, 12, 7, 3, 1));

  @Test
  void engine_matchesTheFloat64Reference_onEveryCheckedShape() {
    EngineSelfCheck.Result result = EngineSelfCheck.ensurePassed();
    assertThat(result.passed()).as("%s", result.failures()).isTrue();
    assertThat(result.cases()).isEqualTo(EngineSelfCheck.CASES.size());
    assertThat(result.maxError()).isLessThan(1e-4);
  }

  @Test
  void engine_isExactOnTheShapesTheDefectCorrupts_repeatedly() {
    // Without the engine settings of EngineKernels, each of these fails on CPUs with AVX2 or AVX-512 (NaN or a wrong input gradient).
    for (int repeat = 0; repeat < 3; repeat++) {
      EngineSelfCheck.Result result = EngineSelfCheck.run(EngineSelfCheck.engine(), DEFECT_SHAPES);
      assertThat(result.passed()).as("repeat %d under %s: %s", repeat, EngineKernels.describe(), result.failures()).isTrue();
    }
  }

  @Test
  void reference_agreesWithFiniteDifferences() {
    EngineSelfCheck.Case shape = new EngineSelfCheck.Case(3, 2, 3, 5, 3, 2);
    EngineSelfCheck.Inputs inputs = inputs(shape);
    double[][] analytic = EngineSelfCheck.reference(inputs).values();
    double h = 1e-3;
    // d loss / d x[7], d w[5], d gamma[1], d beta[2] by central differences of loss = Σ y·g in float64.
    assertThat(analytic[1][7]).isCloseTo(difference(inputs, in -> perturb(in, 0, 7, h), in -> perturb(in, 0, 7, -h), h),
        org.assertj.core.data.Offset.offset(1e-3));
    assertThat(analytic[2][5]).isCloseTo(difference(inputs, in -> perturb(in, 1, 5, h), in -> perturb(in, 1, 5, -h), h),
        org.assertj.core.data.Offset.offset(1e-3));
    assertThat(analytic[3][1]).isCloseTo(difference(inputs, in -> perturb(in, 2, 1, h), in -> perturb(in, 2, 1, -h), h),
        org.assertj.core.data.Offset.offset(1e-3));
    assertThat(analytic[4][2]).isCloseTo(difference(inputs, in -> perturb(in, 3, 2, h), in -> perturb(in, 3, 2, -h), h),
        org.assertj.core.data.Offset.offset(1e-3));
  }

  @Test
  void aWrongInputGradient_failsTheCheck_andStopsTrainingWithCpuIsaAndFix() {
    EngineSelfCheck.Step wrong = corrupted(outputs -> {
      outputs.xGradient()[outputs.xGradient().length / 2] += 0.05f * max(outputs.xGradient());
      return outputs;
    });
    EngineSelfCheck.Result result = EngineSelfCheck.run(wrong, EngineSelfCheck.CASES.subList(0, 3));

    assertThat(result.passed()).isFalse();
    assertThat(result.failures()).hasSize(3).allMatch(line -> line.contains("input gradient off by"));
    assertThat(result.maxError()).isGreaterThan(EngineSelfCheck.TOLERANCE);
    assertThatThrownBy(() -> EngineSelfCheck.requirePassed(result))
        .isInstanceOf(EngineDefectException.class)
        .hasMessageContaining(EngineKernels.cpuModel())
        .hasMessageContaining("oneDNN ISA " + EngineKernels.inForce())
        .hasMessageContaining("conv3x3/1 1→8 ch, batch 1, 28x28: input gradient off by")
        .hasMessageContaining("Fix: ");
  }

  @Test
  void aNaN_failsTheCheck_evenInOneGammaGradient() {
    EngineSelfCheck.Step nan = corrupted(outputs -> {
      outputs.gammaGradient()[0] = Float.NaN;
      return outputs;
    });
    EngineSelfCheck.Result result = EngineSelfCheck.run(nan, EngineSelfCheck.CASES.subList(1, 2));
    assertThat(result.passed()).isFalse();
    assertThat(result.maxError()).isNaN();
    assertThat(result.failures()).containsExactly("conv3x3/1 1→4 ch, batch 16, 12x12: gamma gradient off by NaN (not finite)");
  }

  @Test
  void float32RoundingOfTheEngine_passes_soTheToleranceIsNotTooTight() {
    // The reference rounded to float32 and back, plus one part in a million: what a correct float32 kernel may return.
    EngineSelfCheck.Step rounded = inputs -> {
      double[][] exact = EngineSelfCheck.reference(inputs).values();
      float[][] asFloat = new float[exact.length][];
      for (int t = 0; t < exact.length; t++) {
        asFloat[t] = new float[exact[t].length];
        for (int i = 0; i < exact[t].length; i++) {
          asFloat[t][i] = (float) (exact[t][i] * (1 + 1e-6));
        }
      }
      return new EngineSelfCheck.Outputs(asFloat[0], asFloat[1], asFloat[2], asFloat[3], asFloat[4]);
    };
    assertThat(EngineSelfCheck.run(rounded, EngineSelfCheck.CASES.subList(0, 3)).passed()).isTrue();
  }

  private static EngineSelfCheck.Step corrupted(UnaryOperator<EngineSelfCheck.Outputs> corruption) {
    EngineSelfCheck.Step engine = EngineSelfCheck.engine();
    return inputs -> corruption.apply(engine.compute(inputs));
  }

  private static float max(float[] values) {
    float max = 0;
    for (float v : values) {
      max = Math.max(max, Math.abs(v));
    }
    return max;
  }

  private static EngineSelfCheck.Inputs inputs(EngineSelfCheck.Case c) {
    SplittableRandom random = new SplittableRandom(3);
    float[] x = fill(random, c.batch() * c.inChannels() * c.size() * c.size());
    float[] w = fill(random, c.outChannels() * c.inChannels() * c.kernel() * c.kernel());
    float[] gamma = fill(random, c.outChannels());
    float[] beta = fill(random, c.outChannels());
    float[] g = fill(random, c.batch() * c.outChannels() * c.outSize() * c.outSize());
    return new EngineSelfCheck.Inputs(c, x, w, gamma, beta, g);
  }

  private static float[] fill(SplittableRandom random, int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return values;
  }

  /** A copy of {@code in} with element {@code index} of tensor {@code which} (x, w, gamma, beta) moved by {@code delta}. */
  private static EngineSelfCheck.Inputs perturb(EngineSelfCheck.Inputs in, int which, int index, double delta) {
    float[][] tensors = {in.x().clone(), in.weight().clone(), in.gamma().clone(), in.beta().clone()};
    tensors[which][index] += (float) delta;
    return new EngineSelfCheck.Inputs(in.shape(), tensors[0], tensors[1], tensors[2], tensors[3], in.outputGradient());
  }

  private static double difference(EngineSelfCheck.Inputs inputs, UnaryOperator<EngineSelfCheck.Inputs> plus,
      UnaryOperator<EngineSelfCheck.Inputs> minus, double h) {
    EngineSelfCheck.Inputs up = plus.apply(inputs);
    EngineSelfCheck.Inputs down = minus.apply(inputs);
    // The perturbation is applied in float32: divide by the step actually taken.
    return (loss(up) - loss(down)) / (2 * h);
  }

  private static double loss(EngineSelfCheck.Inputs inputs) {
    double[] y = EngineSelfCheck.reference(inputs).values()[0];
    double sum = 0;
    for (int i = 0; i < y.length; i++) {
      sum += y[i] * inputs.outputGradient()[i];
    }
    return sum;
  }
}
