package dev.mentor.messages.tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One batch of tensors a teacher or ensemble member publishes for its students: which
 * experiment, arm and producer role it comes from, what it holds ({@code kind}: logits, a stage's
 * features, an attention map, a similarity matrix), the epoch and batch index, the ids of the
 * samples in batch order (students align by them), the element type on the wire and the shape.
 * {@code name} tells tensors of one kind apart within a batch: the stage of a features frame
 * ("stage2"); {@code logits} for logits.
 * {@code values} are always float32 in memory; {@code dtype} float16 halves the bytes on the wire.
 */
public record TensorFrame(
    String experiment,
    String arm,
    String role,
    String kind,
    int epoch,
    int batch,
    long[] sampleIds,
    DType dtype,
    long[] shape,
    float[] values,
    String name) {

  public static final List<String> KINDS = List.of("logits", "features", "attention", "similarity");

  /** Element type on the wire. */
  public enum DType {
    FLOAT32(0, 4),
    FLOAT16(1, 2);

    final int code;
    final int bytes;

    DType(int code, int bytes) {
      this.code = code;
      this.bytes = bytes;
    }

    /** Bytes per value on the wire. */
    public int bytes() {
      return bytes;
    }

    static DType of(int code) {
      for (DType d : values()) {
        if (d.code == code) {
          return d;
        }
      }
      throw new IllegalArgumentException("unknown dtype code " + code + "; known: 0 (float32), 1 (float16)");
    }
  }

  /** A frame whose name is its kind (logits). */
  public TensorFrame(String experiment, String arm, String role, String kind, int epoch, int batch, long[] sampleIds, DType dtype, long[] shape,
      float[] values) {
    this(experiment, arm, role, kind, epoch, batch, sampleIds, dtype, shape, values, kind);
  }

  public TensorFrame {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(experiment, "experiment");
    Objects.requireNonNull(arm, "arm");
    Objects.requireNonNull(role, "role");
    if (!KINDS.contains(kind)) {
      throw new IllegalArgumentException("kind must be one of " + KINDS + ", got " + kind);
    }
    Objects.requireNonNull(dtype, "dtype");
    if (shape.length == 0 || shape[0] != sampleIds.length) {
      throw new IllegalArgumentException("the first dimension of shape " + Arrays.toString(shape) + " must be the batch size "
          + sampleIds.length);
    }
    long count = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      count = Math.multiplyExact(count, d);
    }
    if (count != values.length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + count + " values, got " + values.length);
    }
  }

  /**
   * Throws unless this frame holds exactly the samples {@code expected}, in that order: a
   * student never pairs a teacher's outputs with other samples than its own.
   */
  public void requireAligned(long[] expected) {
    if (!Arrays.equals(sampleIds, expected)) {
      int at = Arrays.mismatch(sampleIds, expected);
      throw new IllegalStateException("frame " + describe() + " is misaligned with the student's batch: sample "
          + at + " is " + (at < sampleIds.length ? sampleIds[at] : "missing") + " in the frame and "
          + (at < expected.length ? expected[at] : "missing") + " in the batch");
    }
  }

  public String describe() {
    return experiment + "/" + arm + "/" + role + " " + kind + (name.equals(kind) ? "" : " " + name) + " epoch " + epoch + " batch " + batch;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorFrame f && experiment.equals(f.experiment) && arm.equals(f.arm) && role.equals(f.role)
        && kind.equals(f.kind) && epoch == f.epoch && batch == f.batch && Arrays.equals(sampleIds, f.sampleIds) && dtype == f.dtype
        && Arrays.equals(shape, f.shape) && Arrays.equals(values, f.values) && name.equals(f.name);
  }

  @Override
  public int hashCode() {
    return Objects.hash(experiment, arm, role, kind, name, epoch, batch, Arrays.hashCode(sampleIds), dtype, Arrays.hashCode(shape),
        Arrays.hashCode(values));
  }

  @Override
  public String toString() {
    return "TensorFrame[" + describe() + ", " + sampleIds.length + " samples, " + dtype + " " + Arrays.toString(shape) + "]";
  }
}
