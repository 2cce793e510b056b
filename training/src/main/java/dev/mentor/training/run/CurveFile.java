package dev.mentor.training.run;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.training.files.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A run's learning curve as CSV, one row per epoch, rewritten atomically after each epoch. A
 * distillation student's loss terms follow as extra columns ({@code term:<name>}, unweighted;
 * empty in epochs where a term was not part of the loss, e.g. the FitNets hint phase).
 */
final class CurveFile {
  static final String HEADER = "epoch,phase,train_loss,train_accuracy,validation_loss,validation_accuracy,learning_rate,samples_per_second,seconds";

  private CurveFile() {}

  static void write(Path file, List<EpochMetrics> rows) throws IOException {
    Set<String> terms = new LinkedHashSet<>();
    rows.forEach(r -> terms.addAll(r.terms().keySet()));
    StringBuilder out = new StringBuilder(HEADER);
    terms.forEach(t -> out.append(",term:").append(t));
    out.append('\n');
    for (EpochMetrics r : rows) {
      out.append(String.format(Locale.ROOT, "%d,%s,%.6f,%.6f,%.6f,%.6f,%.6g,%.1f,%.3f", r.epoch(), r.phase(), r.trainLoss(),
          r.trainAccuracy(), r.validationLoss(), r.validationAccuracy(), r.learningRate(), r.samplesPerSecond(), r.seconds()));
      for (String t : terms) {
        Double v = r.terms().get(t);
        out.append(',').append(v == null ? "" : String.format(Locale.ROOT, "%.6g", v));
      }
      out.append('\n');
    }
    AtomicFiles.writeString(file, out.toString());
  }
}
