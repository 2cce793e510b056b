package dev.mentor.training.run;

import dev.mentor.training.files.AtomicFiles;
import dev.mentor.messages.record.EpochMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** A run's learning curve as CSV, one row per epoch, rewritten atomically after each epoch. */
final class CurveFile {
  static final String HEADER = "epoch,phase,train_loss,train_accuracy,validation_loss,validation_accuracy,learning_rate,samples_per_second,seconds";

  private CurveFile() {}

  static void write(Path file, List<EpochMetrics> rows) throws IOException {
    StringBuilder out = new StringBuilder(HEADER).append('\n');
    for (EpochMetrics r : rows) {
      out.append(String.format(Locale.ROOT, "%d,%s,%.6f,%.6f,%.6f,%.6f,%.6g,%.1f,%.3f%n", r.epoch(), r.phase(), r.trainLoss(),
          r.trainAccuracy(), r.validationLoss(), r.validationAccuracy(), r.learningRate(), r.samplesPerSecond(), r.seconds()));
    }
    AtomicFiles.writeString(file, out.toString());
  }
}
