package dev.mentor.training.report;

import java.util.List;

/**
 * What one fine-tuned run's final weights cost on disk stored whole and as deltas to the weights
 * it started from ({@code delta.json} in the run's folder, written by {@code mentor pack --measure}):
 * the full file's bytes and test accuracy, and per delta mode its bytes, how many tensors it
 * stores and leaves unchanged, the largest absolute error of a weight it decodes to, and, for a
 * lossy mode, the test accuracy of the decoded weights on the run's own test set.
 *
 * @param base where the run's starting weights came from, as the spec names it ({@code arm pretrain-5}, {@code checkpoint x.params})
 * @param baseDigest SHA-256 of the base's parameter file (one base stored once serves every run with this digest)
 * @param testAccuracy test accuracy of the full weights, recomputed with the evaluation the lossy modes get
 */
public record DeltaMeasurement(String arm, long seed, String base, String baseDigest, long baseBytes, long fullBytes, double testAccuracy,
    List<Mode> modes) {
  /** The file in a run's folder that holds its measurement. */
  public static final String FILE = "delta.json";

  public DeltaMeasurement {
    if (arm == null || arm.isBlank()) {
      throw new IllegalArgumentException("arm must name the measured run's arm, got " + arm);
    }
    if (baseDigest == null || !baseDigest.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("baseDigest must be a hex SHA-256 (64 characters 0-9a-f), got " + baseDigest);
    }
    if (baseBytes <= 0 || fullBytes <= 0) {
      throw new IllegalArgumentException("baseBytes and fullBytes must be > 0, got " + baseBytes + " and " + fullBytes);
    }
    if (modes == null || modes.isEmpty()) {
      throw new IllegalArgumentException("modes must hold at least one measured mode, got " + modes);
    }
    modes = List.copyOf(modes);
  }

  /**
   * One delta mode's measurement.
   *
   * @param mode {@code lossless}, {@code fp16} or {@code sparse:K}
   * @param testAccuracy of the decoded weights; null for {@code lossless}, whose weights are the full file's bit for bit
   * @param maxAbsError the largest absolute difference of a decoded weight from the full file's (0 for lossless)
   */
  public record Mode(String mode, long bytes, int storedTensors, int unchangedTensors, double maxAbsError, Double testAccuracy) {
    public Mode {
      if (mode == null || !mode.matches("lossless|fp16|sparse:\\d+")) {
        throw new IllegalArgumentException("mode must be one of lossless, fp16, sparse:K, got " + mode);
      }
      if (bytes <= 0) {
        throw new IllegalArgumentException("bytes of mode " + mode + " must be > 0, got " + bytes);
      }
    }
  }
}
