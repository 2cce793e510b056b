package dev.mentor.training.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import dev.mentor.training.timing.Timeline;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Convolution + BatchNorm, forward and backward, through the engine against a float64 reference
 * computed here, on the shapes Mentor trains: one and several input channels, output channels
 * that are and are not multiples of the kernels' channel blocks, 3×3 and strided 1×1 kernels,
 * batches of 1, 16 and 128. It runs once per process before the first training step (tens of
 * milliseconds) and stops training when the engine's numbers are wrong: the oneDNN defect of
 * {@code docs/engine.md} gives NaN or wrong input gradients on exactly these shapes.
 *
 * <p>Before each case the memory the engine is about to reuse is filled with NaN (a tensor of
 * the case's size is written and freed), so kernels that read memory they never wrote fail
 * every time instead of now and then.
 */
public final class EngineSelfCheck {
  /** Largest error allowed, relative to the largest magnitude of the reference tensor (float32 sums of a few thousand terms). */
  static final double TOLERANCE = 1e-3;
  private static final float EPSILON = 1e-5f;

  /** One convolution (padding kernel/2, no bias) followed by BatchNorm in training mode. */
  public record Case(int batch, int inChannels, int outChannels, int size, int kernel, int stride) {
    int outSize() {
      return (size + 2 * (kernel / 2) - kernel) / stride + 1;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "conv%dx%d/%d %d→%d ch, batch %d, %dx%d", kernel, kernel, stride, inChannels, outChannels,
          batch, size, size);
    }
  }

  /** The shapes checked: Mentor's first layers (1 input channel) and inner layers, block-aligned and not. */
  public static final List<Case> CASES = List.of(
      new Case(1, 1, 8, 28, 3, 1),
      new Case(16, 1, 4, 12, 3, 1),
      new Case(16, 4, 12, 8, 3, 1),
      new Case(16, 12, 20, 8, 3, 2),
      new Case(16, 8, 16, 8, 3, 1),
      new Case(16, 12, 24, 8, 1, 2),
      new Case(128, 8, 12, 7, 3, 1),
      new Case(128, 16, 32, 4, 3, 1));

  /** Inputs of one case, and what the engine (or the reference) returns for them. */
  public record Inputs(Case shape, float[] x, float[] weight, float[] gamma, float[] beta, float[] outputGradient) {}

  public record Outputs(float[] y, float[] xGradient, float[] weightGradient, float[] gammaGradient, float[] betaGradient) {
    double[][] all() {
      return new double[][] {toDouble(y), toDouble(xGradient), toDouble(weightGradient), toDouble(gammaGradient),
          toDouble(betaGradient)};
    }
  }

  /** Computes a case's forward output and gradients; the engine's implementation is {@link #engine()}. */
  @FunctionalInterface
  public interface Step {
    Outputs compute(Inputs inputs);
  }

  /**
   * The check's outcome.
   *
   * @param maxError the largest relative error over every case and tensor (NaN when one was not finite)
   * @param failures one line per wrong tensor: case, tensor, error
   */
  public record Result(boolean passed, double maxError, List<String> failures, int cases, long millis) {
    public Map<String, Object> describe() {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("passed", passed);
      map.put("cases", cases);
      map.put("maxRelativeError", Double.isNaN(maxError) ? "NaN" : maxError);
      map.put("tolerance", TOLERANCE);
      map.put("millis", millis);
      if (!failures.isEmpty()) {
        map.put("failures", failures);
      }
      return map;
    }
  }

  /**
   * With this system property {@code true} a failed check is logged instead of stopping the
   * process: only for measuring the uncapped kernels' speed ({@code mentor bench --sections isa}),
   * never for results.
   */
  public static final String REPORT_ONLY_PROPERTY = "mentor.engine.selfCheck.reportOnly";

  private static final Logger LOG = LoggerFactory.getLogger(EngineSelfCheck.class);
  private static Result processResult;

  private EngineSelfCheck() {}

  /**
   * Runs the check once per process (on a thread of its own, so no kernel thread team is left on
   * the caller) and returns its result; throws {@link EngineDefectException} when it failed,
   * every time it is asked.
   */
  public static synchronized Result ensurePassed() {
    if (processResult == null) {
      try (Timeline.Span span = Timeline.process().start("engine: load")) {
        EngineKernels.prepare();
        Engine.getInstance();
        EngineKernels.configureLoadedEngine();
      }
      try (Timeline.Span span = Timeline.process().start("engine: self-check")) {
        processResult = EngineThreads.onFreshThread("mentor-engine-self-check", () -> run(engine(), CASES));
      } catch (Exception e) {
        throw new IllegalStateException("engine self-check could not run: " + e, e);
      }
    }
    if (!processResult.passed() && Boolean.getBoolean(REPORT_ONLY_PROPERTY)) {
      LOG.warn("{} ({}=true: going on, for measurement only)", failureMessage(processResult), REPORT_ONLY_PROPERTY);
      return processResult;
    }
    return requirePassed(processResult);
  }

  /** {@code result}, or an {@link EngineDefectException} naming the CPU, the ISA in force and the fix when it failed. */
  public static Result requirePassed(Result result) {
    if (!result.passed()) {
      throw new EngineDefectException(failureMessage(result));
    }
    return result;
  }

  /** The result of this process's check, or null when it has not run. */
  public static synchronized Result lastResult() {
    return processResult;
  }

  /** Runs {@code cases} through {@code step} and compares with the float64 reference. */
  public static Result run(Step step, List<Case> cases) {
    long start = System.nanoTime();
    List<String> failures = new ArrayList<>();
    double maxError = 0;
    SplittableRandom random = new SplittableRandom(20261205L);
    String[] names = {"output", "input gradient", "weight gradient", "gamma gradient", "beta gradient"};
    for (Case shape : cases) {
      Inputs inputs = inputs(shape, random);
      Reference expected = reference(inputs);
      double[][] actual = step.compute(inputs).all();
      for (int t = 0; t < names.length; t++) {
        double error = relativeError(actual[t], expected.values()[t], expected.magnitudes()[t]);
        if (!(error <= TOLERANCE)) {
          failures.add(String.format(Locale.ROOT, "%s: %s off by %s", shape, names[t],
              Double.isNaN(error) ? "NaN (not finite)" : String.format(Locale.ROOT, "%.3g", error)));
        }
        maxError = Double.isNaN(error) || Double.isNaN(maxError) ? Double.NaN : Math.max(maxError, error);
      }
    }
    return new Result(failures.isEmpty(), maxError, List.copyOf(failures), cases.size(), (System.nanoTime() - start) / 1_000_000);
  }

  /** The engine's convolution and BatchNorm, as Mentor's models call them, with gradients for every input. */
  public static Step engine() {
    return inputs -> {
      Case c = inputs.shape();
      try (NDManager manager = NDManager.newBaseManager()) {
        poisonFreedMemory(manager, c);
        try (GradMode tape = GradMode.recording()) {
          NDArray x = manager.create(inputs.x(), new Shape(c.batch(), c.inChannels(), c.size(), c.size()));
          NDArray w = manager.create(inputs.weight(), new Shape(c.outChannels(), c.inChannels(), c.kernel(), c.kernel()));
          NDArray gamma = manager.create(inputs.gamma());
          NDArray beta = manager.create(inputs.beta());
          for (NDArray a : List.of(x, w, gamma, beta)) {
            a.setRequiresGradient(true);
          }
          NDArray runningMean = manager.zeros(new Shape(c.outChannels()));
          NDArray runningVar = manager.ones(new Shape(c.outChannels()));
          int pad = c.kernel() / 2;
          NDArray z = Conv2d.conv2d(x, w, null, new Shape(c.stride(), c.stride()), new Shape(pad, pad), new Shape(1, 1), 1)
              .singletonOrThrow();
          NDArray y = BatchNorm.batchNorm(z, runningMean, runningVar, gamma, beta, 1, 0.9f, EPSILON, true).singletonOrThrow();
          NDArray g = manager.create(inputs.outputGradient(), y.getShape());
          tape.backward(y.mul(g).sum());
          return new Outputs(y.toFloatArray(), x.getGradient().toFloatArray(), w.getGradient().toFloatArray(),
              gamma.getGradient().toFloatArray(), beta.getGradient().toFloatArray());
        }
      }
    };
  }

  /** Writes NaN into blocks of the sizes this case allocates, then frees them, so reused memory holds NaN. */
  private static void poisonFreedMemory(NDManager manager, Case c) {
    int block = 16;
    int paddedOut = (c.outChannels() + block - 1) / block * block;
    int paddedIn = (c.inChannels() + block - 1) / block * block;
    long[] sizes = {
        (long) c.batch() * paddedOut * c.outSize() * c.outSize(),
        (long) c.batch() * paddedIn * c.size() * c.size(),
        (long) paddedOut * paddedIn * c.kernel() * c.kernel()};
    try (NDManager scratch = manager.newSubManager()) {
      List<NDArray> poison = new ArrayList<>();
      for (long size : sizes) {
        for (int copy = 0; copy < 2; copy++) {
          poison.add(scratch.full(new Shape(size), Float.NaN));
        }
      }
      poison.forEach(NDArray::close);
    }
  }

  private static Inputs inputs(Case c, SplittableRandom random) {
    float[] x = gaussian(random, c.batch() * c.inChannels() * c.size() * c.size(), 1.0);
    float[] w = gaussian(random, c.outChannels() * c.inChannels() * c.kernel() * c.kernel(), 0.3);
    float[] gamma = new float[c.outChannels()];
    float[] beta = new float[c.outChannels()];
    for (int o = 0; o < c.outChannels(); o++) {
      gamma[o] = (float) (0.5 + random.nextDouble());
      beta[o] = (float) (random.nextDouble() - 0.5);
    }
    float[] g = gaussian(random, c.batch() * c.outChannels() * c.outSize() * c.outSize(), 1.0);
    return new Inputs(c, x, w, gamma, beta, g);
  }

  /**
   * The float64 results of a case (output, input, weight, gamma and beta gradients) and, for each
   * element, the magnitude of what was summed to get it (the same sums over absolute values). A
   * correct float32 kernel is off by a few units of float32 rounding of that magnitude, which can
   * be far above the result itself where terms cancel (BatchNorm's backward makes every channel's
   * gradients sum to zero): errors are measured against it.
   */
  record Reference(double[][] values, double[][] magnitudes) {}

  /** Forward and backward in float64: the convolution, BatchNorm with batch statistics, and the loss Σ y·g. */
  static Reference reference(Inputs in) {
    Case c = in.shape();
    int n = c.batch();
    int co = c.outChannels();
    int plane = c.outSize() * c.outSize();
    double[] z = new double[n * co * plane];
    forEachTap(c, (zi, xi, wi) -> z[zi] += (double) in.x()[xi] * in.weight()[wi]);
    double[] dzMagnitude = new double[z.length];
    double[] gammaMagnitude = new double[co];
    double[] betaMagnitude = new double[co];
    // BatchNorm over (batch, height, width) per channel, then its backward for dL/dy = g.
    double count = (double) n * plane;
    double[] y = new double[z.length];
    double[] dz = new double[z.length];
    double[] dGamma = new double[co];
    double[] dBeta = new double[co];
    for (int o = 0; o < co; o++) {
      double mean = 0;
      for (int b = 0; b < n; b++) {
        for (int p = 0; p < plane; p++) {
          mean += z[(b * co + o) * plane + p];
        }
      }
      mean /= count;
      double var = 0;
      for (int b = 0; b < n; b++) {
        for (int p = 0; p < plane; p++) {
          double d = z[(b * co + o) * plane + p] - mean;
          var += d * d;
        }
      }
      var /= count;
      double inv = 1.0 / Math.sqrt(var + EPSILON);
      double sumG = 0;
      double sumGx = 0;
      for (int b = 0; b < n; b++) {
        for (int p = 0; p < plane; p++) {
          int idx = (b * co + o) * plane + p;
          double xhat = (z[idx] - mean) * inv;
          y[idx] = in.gamma()[o] * xhat + in.beta()[o];
          sumG += in.outputGradient()[idx];
          sumGx += in.outputGradient()[idx] * xhat;
        }
      }
      dGamma[o] = sumGx;
      dBeta[o] = sumG;
      double sumAbsG = 0;
      double sumAbsGx = 0;
      for (int b = 0; b < n; b++) {
        for (int p = 0; p < plane; p++) {
          int idx = (b * co + o) * plane + p;
          sumAbsG += Math.abs(in.outputGradient()[idx]);
          sumAbsGx += Math.abs(in.outputGradient()[idx] * (z[idx] - mean) * inv);
        }
      }
      gammaMagnitude[o] = sumAbsGx;
      betaMagnitude[o] = sumAbsG;
      for (int b = 0; b < n; b++) {
        for (int p = 0; p < plane; p++) {
          int idx = (b * co + o) * plane + p;
          double xhat = (z[idx] - mean) * inv;
          dz[idx] = in.gamma()[o] * inv / count * (count * in.outputGradient()[idx] - sumG - xhat * sumGx);
          dzMagnitude[idx] = Math.abs(in.gamma()[o]) * inv / count
              * (count * Math.abs(in.outputGradient()[idx]) + sumAbsG + Math.abs(xhat) * sumAbsGx);
        }
      }
    }
    double[] dx = new double[in.x().length];
    double[] dw = new double[in.weight().length];
    double[] dwMagnitude = new double[dw.length];
    double[] dxMagnitude = new double[dx.length];
    forEachTap(c, (zi, xi, wi) -> {
      dw[wi] += dz[zi] * in.x()[xi];
      dx[xi] += dz[zi] * in.weight()[wi];
      dwMagnitude[wi] += dzMagnitude[zi] * Math.abs(in.x()[xi]);
      dxMagnitude[xi] += dzMagnitude[zi] * Math.abs(in.weight()[wi]);
    });
    double[] yMagnitude = new double[y.length];
    for (int i = 0; i < y.length; i++) {
      yMagnitude[i] = Math.abs(y[i]);
    }
    return new Reference(new double[][] {y, dx, dw, dGamma, dBeta},
        new double[][] {yMagnitude, dxMagnitude, dwMagnitude, gammaMagnitude, betaMagnitude});
  }

  /** One multiply of a convolution: output element {@code zi} takes input element {@code xi} times weight {@code wi}. */
  @FunctionalInterface
  private interface Tap {
    void visit(int zi, int xi, int wi);
  }

  /** Visits every multiply of the convolution of {@code c} (NCHW, padding kernel/2), skipping taps on the padding. */
  private static void forEachTap(Case c, Tap tap) {
    int ci = c.inChannels();
    int co = c.outChannels();
    int h = c.size();
    int k = c.kernel();
    int oh = c.outSize();
    int pad = k / 2;
    for (int b = 0; b < c.batch(); b++) {
      for (int o = 0; o < co; o++) {
        for (int i = 0; i < oh; i++) {
          for (int j = 0; j < oh; j++) {
            int zi = ((b * co + o) * oh + i) * oh + j;
            for (int cin = 0; cin < ci; cin++) {
              for (int ki = 0; ki < k; ki++) {
                int ii = i * c.stride() + ki - pad;
                for (int kj = 0; kj < k; kj++) {
                  int jj = j * c.stride() + kj - pad;
                  if (ii >= 0 && jj >= 0 && ii < h && jj < h) {
                    tap.visit(zi, ((b * ci + cin) * h + ii) * h + jj, ((o * ci + cin) * k + ki) * k + kj);
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /** max |a − e| / max m, m the magnitudes summed into e; NaN when {@code actual} holds a value that is not finite or has another length. */
  static double relativeError(double[] actual, double[] expected, double[] magnitudes) {
    if (actual.length != expected.length) {
      return Double.NaN;
    }
    double scale = 1e-12;
    for (double m : magnitudes) {
      scale = Math.max(scale, m);
    }
    double worst = 0;
    for (int i = 0; i < actual.length; i++) {
      if (!Double.isFinite(actual[i])) {
        return Double.NaN;
      }
      worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    }
    return worst / scale;
  }

  /** The message that stops training: what was wrong, on which CPU, under which ISA, and the fix. */
  static String failureMessage(Result result) {
    return "the engine computes wrong convolution results on this CPU (" + EngineKernels.cpuModel() + ", "
        + EngineKernels.describe() + "): " + String.join("; ", result.failures().subList(0, Math.min(3, result.failures().size())))
        + (result.failures().size() > 3 ? "; and " + (result.failures().size() - 3) + " more" : "")
        + ". Training stopped before it could produce untrustworthy numbers. Fix: leave " + EngineKernels.SETTING
        + " unset (Mentor's default: convolutions on PyTorch's own kernels, oneDNN capped at " + EngineKernels.DEFAULT_CAP
        + "), and call Mentor's training library before anything else runs a convolution in this JVM; see docs/engine.md.";
  }

  private static float[] gaussian(SplittableRandom random, int count, double scale) {
    float[] values = new float[count];
    for (int i = 0; i < count; i++) {
      // Box–Muller: SplittableRandom has no nextGaussian on Java 17.
      double u = 1.0 - random.nextDouble();
      double v = random.nextDouble();
      values[i] = (float) (scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
    }
    return values;
  }

  private static double[] toDouble(float[] values) {
    double[] result = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      result[i] = values[i];
    }
    return result;
  }
}
