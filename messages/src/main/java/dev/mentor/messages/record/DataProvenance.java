package dev.mentor.messages.record;

import java.util.List;
import java.util.Map;

/**
 * What a run was trained and evaluated on, so a result can be traced to its data. {@code source}
 * is the spec's {@code data.source}; {@code files} the files read, with absolute paths, sizes and
 * SHA-256 (for Fashion-MNIST and IDX the four IDX files, for CSV the two CSV files, for an image
 * folder one entry for the folder, whose digest is that of its sorted listing of relative paths and
 * sizes; none for generated data); {@code sha256} one digest over those entries (null without
 * files). {@code normalization} is the mean and standard deviation the pixels were standardised
 * with. Each split gives its sample count and the SHA-256 of its sample ids in split order, one
 * per line as {@code train:<index>} or {@code test:<index>}, the index in its source file.
 * {@code overlap} maps every other task of the experiment to how many of this run's training
 * samples are among that task's validation and test samples at the same seed: validation overlap
 * is 0 unless the task sets {@code allowOverlap}. Records written before provenance existed have none.
 */
public record DataProvenance(
    String source,
    String sha256,
    List<DataFile> files,
    Standardization normalization,
    Split train,
    Split validation,
    Split test,
    Map<String, Overlap> overlap) {

  /** One file (or folder, see above) the data was read from. */
  public record DataFile(String path, long bytes, String sha256) {}

  /** The constants pixels were standardised with: {@code (x - mean) / std}. */
  public record Standardization(double mean, double std) {}

  /** A split's sample count and the SHA-256 of its sample-id list. */
  public record Split(int samples, String ids) {}

  /** How many of a run's training samples are another task's validation and test samples. */
  public record Overlap(int validation, int test) {}
}
