package dev.mentor.messages.spec;

import java.util.List;

/**
 * A named transformation of images, used for domain shift, out-of-distribution evaluation and
 * degraded inputs. {@code severity} is in the unit of the shift:
 * <ul>
 *   <li>{@code contrast}: factor in (0, 1], pixels pulled towards the image mean (1 = unchanged)</li>
 *   <li>{@code brightness}: offset in [-1, 1] added to pixels in [0, 1], then clipped</li>
 *   <li>{@code inversion}: blend in [0, 1] between the image and its negative (1 = fully inverted;
 *       0.5 is rejected: it maps every pixel to 0.5 and erases the image)</li>
 *   <li>{@code rotation}: degrees, each image rotated by exactly this angle about its centre</li>
 *   <li>{@code downsample}: integer factor >= 1; the image is averaged in factor×factor blocks and upsampled back</li>
 *   <li>{@code occlusion}: fraction in [0, 1) of the side of a square zeroed at a seeded random position</li>
 *   <li>{@code blur}: Gaussian standard deviation in pixels</li>
 *   <li>{@code noise}: standard deviation of additive Gaussian noise (seeded), then clipped to [0, 1]</li>
 * </ul>
 */
public record ShiftSpec(Type type, Double severity) {
  /** A distribution shift (see the class comment). */
  public enum Type implements SpecName {
    CONTRAST, BRIGHTNESS, INVERSION, ROTATION, DOWNSAMPLE, OCCLUSION, BLUR, NOISE;

    @Override
    public String toString() {
      return specName();
    }
  }

  public ShiftSpec {
    if (type == null) {
      throw new SpecException("type", "is required; allowed: " + SpecName.listed(Type.class));
    }
    Check.required("severity", severity);
    switch (type) {
      case CONTRAST -> {
        if (!(severity > 0 && severity <= 1)) {
          throw new SpecException("severity", "contrast factor must be in (0, 1], got " + severity);
        }
      }
      case BRIGHTNESS -> Check.inRange("severity", severity, -1, 1);
      case INVERSION -> {
        Check.inRange("severity", severity, 0, 1);
        if (severity == 0.5) {
          throw new SpecException("severity", "inversion 0.5 maps every pixel to 0.5 and erases the image; use a blend below or above 0.5");
        }
      }
      case ROTATION -> Check.inRange("severity", severity, -180, 180);
      case DOWNSAMPLE -> {
        if (severity < 1 || severity != Math.rint(severity)) {
          throw new SpecException("severity", "downsample factor must be an integer >= 1, got " + severity);
        }
      }
      case OCCLUSION -> {
        if (!(severity >= 0 && severity < 1)) {
          throw new SpecException("severity", "occlusion fraction must be in [0, 1), got " + severity);
        }
      }
      case BLUR, NOISE -> Check.nonNegative("severity", severity);
    }
  }

  /** A short label for tables, e.g. {@code contrast 0.3}. */
  public String label() {
    return type + " " + (severity == Math.rint(severity) ? String.valueOf(severity.longValue()) : String.valueOf(severity));
  }
}
