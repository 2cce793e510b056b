package dev.mentor.training.data;

import dev.mentor.messages.spec.ShiftSpec;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;

/**
 * Applies a {@link ShiftSpec} to every image of a set, as documented on {@code ShiftSpec}. Each
 * channel is transformed on its own. Positive rotation angles turn the image counter-clockwise as
 * displayed (rows top to bottom), about the centre, with bilinear sampling and zeros where nothing
 * maps. Downsampling averages {@code factor×factor} blocks (smaller blocks at sides the factor does
 * not divide) and repeats each average over its block, so the size is kept. Blur weights near the
 * border are renormalised over the taps inside the image, so a uniform image stays uniform. Random
 * shifts (occlusion, noise) draw from a generator seeded by {@code (seed, sampleId)}: a sample is
 * shifted the same way whichever set or batch it is in.
 */
public final class Shifts {
  private Shifts() {}

  public static ImageSet apply(ImageSet set, ShiftSpec shift, long seed) {
    SampleShift sampleShift = forSpec(shift);
    int per = set.pixelsPerSample();
    float[] out = set.rawPixels().clone();
    // Samples are independent and each has its own generator, so the parallel result is deterministic.
    IntStream.range(0, set.size()).parallel().forEach(i -> {
      RandomGenerator rng = new SplittableRandom(Seeds.mix(seed, set.sampleId(i)));
      sampleShift.apply(out, i * per, set.channels(), set.height(), set.width(), rng);
    });
    return set.adoptPixels(out);
  }

  /** Transforms one sample of {@code channels} planes, stored from {@code offset}, in place. */
  private interface SampleShift {
    void apply(float[] pixels, int offset, int channels, int height, int width, RandomGenerator rng);
  }

  /** A shift that treats each channel plane alike and needs no randomness. */
  private interface PlaneShift {
    void apply(float[] pixels, int offset, int height, int width);
  }

  private static SampleShift forSpec(ShiftSpec shift) {
    double severity = shift.severity();
    return switch (shift.type()) {
      case CONTRAST -> perPlane((p, o, h, w) -> contrast(p, o, h * w, (float) severity));
      case BRIGHTNESS -> perPlane((p, o, h, w) -> brightness(p, o, h * w, (float) severity));
      case INVERSION -> perPlane((p, o, h, w) -> inversion(p, o, h * w, (float) severity));
      case ROTATION -> perPlane((p, o, h, w) -> rotate(p, o, h, w, severity));
      case DOWNSAMPLE -> perPlane((p, o, h, w) -> downsample(p, o, h, w, (int) severity));
      case BLUR -> {
        if (severity == 0) {
          yield (p, o, c, h, w, rng) -> { };
        }
        float[] kernel = gaussianKernel(severity);
        yield perPlane((p, o, h, w) -> blur(p, o, h, w, kernel));
      }
      case OCCLUSION -> (p, o, c, h, w, rng) -> occlude(p, o, c, h, w, severity, rng);
      case NOISE -> (p, o, c, h, w, rng) -> addNoise(p, o, c * h * w, severity, rng);
    };
  }

  private static SampleShift perPlane(PlaneShift planeShift) {
    return (pixels, offset, channels, height, width, rng) -> {
      for (int c = 0; c < channels; c++) {
        planeShift.apply(pixels, offset + c * height * width, height, width);
      }
    };
  }

  private static void contrast(float[] p, int offset, int length, float factor) {
    double sum = 0;
    for (int i = offset; i < offset + length; i++) {
      sum += p[i];
    }
    float mean = (float) (sum / length);
    for (int i = offset; i < offset + length; i++) {
      p[i] = mean + factor * (p[i] - mean);
    }
  }

  private static void brightness(float[] p, int offset, int length, float delta) {
    for (int i = offset; i < offset + length; i++) {
      p[i] = clip(p[i] + delta);
    }
  }

  private static void inversion(float[] p, int offset, int length, float blend) {
    for (int i = offset; i < offset + length; i++) {
      p[i] = (1 - blend) * p[i] + blend * (1 - p[i]);
    }
  }

  private static void rotate(float[] p, int offset, int height, int width, double degrees) {
    float[] src = new float[height * width];
    System.arraycopy(p, offset, src, 0, src.length);
    double radians = Math.toRadians(degrees);
    // Snapping sin/cos of multiples of 90 degrees keeps those rotations exact pixel permutations.
    double cos = snap(Math.cos(radians));
    double sin = snap(Math.sin(radians));
    double cx = (width - 1) / 2.0;
    double cy = (height - 1) / 2.0;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        double dx = x - cx;
        double dy = y - cy;
        double sx = cx + dx * cos - dy * sin;
        double sy = cy + dx * sin + dy * cos;
        p[offset + y * width + x] = bilinear(src, height, width, sx, sy);
      }
    }
  }

  private static double snap(double value) {
    double rounded = Math.rint(value);
    return Math.abs(value - rounded) < 1e-12 ? rounded : value;
  }

  private static float bilinear(float[] src, int height, int width, double sx, double sy) {
    int x0 = (int) Math.floor(sx);
    int y0 = (int) Math.floor(sy);
    float fx = (float) (sx - x0);
    float fy = (float) (sy - y0);
    return (1 - fx) * (1 - fy) * at(src, height, width, x0, y0)
        + fx * (1 - fy) * at(src, height, width, x0 + 1, y0)
        + (1 - fx) * fy * at(src, height, width, x0, y0 + 1)
        + fx * fy * at(src, height, width, x0 + 1, y0 + 1);
  }

  private static float at(float[] src, int height, int width, int x, int y) {
    return x < 0 || y < 0 || x >= width || y >= height ? 0f : src[y * width + x];
  }

  private static void downsample(float[] p, int offset, int height, int width, int factor) {
    for (int by = 0; by < height; by += factor) {
      for (int bx = 0; bx < width; bx += factor) {
        int yEnd = Math.min(height, by + factor);
        int xEnd = Math.min(width, bx + factor);
        double sum = 0;
        for (int y = by; y < yEnd; y++) {
          for (int x = bx; x < xEnd; x++) {
            sum += p[offset + y * width + x];
          }
        }
        float mean = (float) (sum / ((yEnd - by) * (xEnd - bx)));
        for (int y = by; y < yEnd; y++) {
          for (int x = bx; x < xEnd; x++) {
            p[offset + y * width + x] = mean;
          }
        }
      }
    }
  }

  /** Unnormalised Gaussian weights for offsets {@code -radius..radius}, radius {@code ceil(3 sigma)}. */
  private static float[] gaussianKernel(double sigma) {
    int radius = (int) Math.ceil(3 * sigma);
    float[] kernel = new float[2 * radius + 1];
    for (int k = -radius; k <= radius; k++) {
      kernel[k + radius] = (float) Math.exp(-(k * k) / (2 * sigma * sigma));
    }
    return kernel;
  }

  private static void blur(float[] p, int offset, int height, int width, float[] kernel) {
    int radius = kernel.length / 2;
    float[] rows = new float[height * width];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        rows[y * width + x] = convolve(p, offset + y * width, 1, width, x, kernel, radius);
      }
    }
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        p[offset + y * width + x] = convolve(rows, x, width, height, y, kernel, radius);
      }
    }
  }

  /** One output of a 1-D convolution along a line of {@code length} values starting at {@code start}, {@code stride} apart. */
  private static float convolve(float[] line, int start, int stride, int length, int at, float[] kernel, int radius) {
    float sum = 0;
    float weight = 0;
    for (int k = Math.max(-radius, -at); k <= Math.min(radius, length - 1 - at); k++) {
      sum += kernel[k + radius] * line[start + (at + k) * stride];
      weight += kernel[k + radius];
    }
    return sum / weight;
  }

  private static void occlude(
      float[] p, int offset, int channels, int height, int width, double fraction, RandomGenerator rng) {
    int side = (int) Math.round(fraction * Math.min(height, width));
    if (side == 0) {
      return;
    }
    int top = rng.nextInt(height - side + 1);
    int left = rng.nextInt(width - side + 1);
    for (int c = 0; c < channels; c++) {
      int plane = offset + c * height * width;
      for (int y = top; y < top + side; y++) {
        for (int x = left; x < left + side; x++) {
          p[plane + y * width + x] = 0f;
        }
      }
    }
  }

  private static void addNoise(float[] p, int offset, int length, double std, RandomGenerator rng) {
    for (int i = offset; i < offset + length; i++) {
      p[i] = clip((float) (p[i] + std * rng.nextGaussian()));
    }
  }

  static float clip(float value) {
    return Math.max(0f, Math.min(1f, value));
  }
}
