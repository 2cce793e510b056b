package dev.mentor.training.report;

import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * The report's part of the compression story for fine-tuned variants: per arm (mean over its
 * measured seeds), the bytes of its final weights stored whole against stored as a delta to the
 * weights it started from, per delta mode, and what the lossy modes cost in test accuracy; then
 * the experiment's totals, each base counted once. Reads the {@link DeltaMeasurement}s in the run
 * folders; renders nothing when there are none.
 */
final class DeltaSection {
  private final List<DeltaMeasurement> measured;
  private final List<String> modes;

  private DeltaSection(List<DeltaMeasurement> measured) {
    this.measured = measured;
    Set<String> seen = new LinkedHashSet<>();
    measured.forEach(m -> m.modes().forEach(mode -> seen.add(mode.mode())));
    this.modes = List.copyOf(seen);
  }

  /** Every {@link DeltaMeasurement#FILE} in the experiment's run folders. */
  static List<DeltaMeasurement> read(Path experimentDir) {
    if (!Files.isDirectory(experimentDir)) {
      return List.of();
    }
    try (Stream<Path> runs = Files.list(experimentDir)) {
      List<DeltaMeasurement> found = new ArrayList<>();
      for (Path file : runs.map(run -> run.resolve(DeltaMeasurement.FILE)).filter(Files::isRegularFile).sorted().toList()) {
        found.add(SpecReader.json().readValue(file.toFile(), DeltaMeasurement.class));
      }
      return found;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the delta measurements in " + experimentDir, e);
    }
  }

  /** The section, or "" without measurements of arms the spec has. */
  static String render(ExperimentSpec spec, List<DeltaMeasurement> all) {
    List<String> order = spec.arms().stream().map(ArmSpec::name).toList();
    List<DeltaMeasurement> known = all.stream().filter(m -> order.contains(m.arm()))
        .sorted(Comparator.comparingInt((DeltaMeasurement m) -> order.indexOf(m.arm())).thenComparingLong(DeltaMeasurement::seed)).toList();
    return known.isEmpty() ? "" : new DeltaSection(known).render();
  }

  private String render() {
    List<String> header = new ArrayList<>(List.of("Arm", "Starts from", "n", "Full copy, bytes"));
    modes.forEach(mode -> header.add(mode + ", bytes (× smaller)"));
    header.add("Test acc %");
    modes.stream().filter(m -> !m.equals("lossless")).forEach(mode -> header.add("Δ acc " + mode + ", points"));
    MarkdownTable table = new MarkdownTable(header);
    Map<String, List<DeltaMeasurement>> byArm = new LinkedHashMap<>();
    measured.forEach(m -> byArm.computeIfAbsent(m.arm(), a -> new ArrayList<>()).add(m));
    byArm.forEach((arm, runs) -> table.add(row(arm, runs)));
    StringBuilder out = new StringBuilder("## Compression: fine-tuned variants as deltas\n\n");
    out.append("Each fine-tuned run's final weights stored whole (the full copy) against stored as a delta to the weights it"
        + " started from, which are then stored once for every variant made from them. `lossless` stores the XOR of the float32"
        + " bits and decodes bit-identically; `fp16` stores the change in half precision; `sparse:K` keeps the K% largest changes"
        + " of each tensor. Tensors a run left unchanged (a linear probe's or partial fine-tuning's frozen stages) cost nothing."
        + " Bytes are means over the runs measured; accuracy differences are lossy weights minus the full weights on each run's"
        + " own test set, mean ± std over seeds (two decimals: one test sample of thousands is a few hundredths of a point).\n\n");
    out.append(table.render()).append('\n');
    out.append("- ").append(totals()).append("\n\n");
    return out.toString();
  }

  private List<String> row(String arm, List<DeltaMeasurement> runs) {
    List<String> cells = new ArrayList<>();
    cells.add(Cells.quote(arm));
    cells.add(String.join(", ", runs.stream().map(DeltaMeasurement::base).distinct().toList()));
    cells.add(String.valueOf(runs.size()));
    double full = mean(runs, DeltaMeasurement::fullBytes);
    cells.add(Cells.grouped(Math.round(full)));
    for (String mode : modes) {
      Summary bytes = summary(runs, m -> mode(m, mode) == null ? Double.NaN : mode(m, mode).bytes());
      cells.add(bytes.n() == 0 ? "—" : Cells.withN(bytes, Cells.grouped(Math.round(bytes.mean())) + " (" + times(full / bytes.mean()) + ")", runs.size()));
    }
    Summary accuracy = summary(runs, DeltaMeasurement::testAccuracy);
    cells.add(Cells.withN(accuracy, accuracy.formatPercent(), runs.size()));
    for (String mode : modes) {
      if (!mode.equals("lossless")) {
        Summary points = summary(runs, m -> mode(m, mode) == null || mode(m, mode).testAccuracy() == null ? Double.NaN
            : (mode(m, mode).testAccuracy() - m.testAccuracy()) * 100);
        cells.add(Cells.withN(points, points.n() == 0 ? "—" : String.format(Locale.ROOT, "%+.2f ± %.2f", points.mean(), points.std()),
            runs.size()));
      }
    }
    return cells;
  }

  /** The experiment's variants whole, against their bases stored once plus each mode's deltas. */
  private String totals() {
    Map<String, Long> bases = new LinkedHashMap<>();
    measured.forEach(m -> bases.put(m.baseDigest(), m.baseBytes()));
    long baseBytes = bases.values().stream().mapToLong(Long::longValue).sum();
    long full = measured.stream().mapToLong(DeltaMeasurement::fullBytes).sum();
    List<String> parts = new ArrayList<>();
    for (String mode : modes) {
      List<DeltaMeasurement> with = measured.stream().filter(m -> mode(m, mode) != null).toList();
      if (with.size() == measured.size()) {
        long deltas = with.stream().mapToLong(m -> mode(m, mode).bytes()).sum();
        parts.add(megabytes(baseBytes + deltas) + " as the base" + (bases.size() == 1 ? "" : "s") + " plus " + mode + " deltas ("
            + megabytes(deltas) + " of deltas; " + times((double) full / (baseBytes + deltas)) + " smaller)");
      }
    }
    return measured.size() + " fine-tuned variant" + (measured.size() == 1 ? "" : "s") + " of " + bases.size() + " base"
        + (bases.size() == 1 ? "" : "s") + " (" + megabytes(baseBytes) + "): " + megabytes(full) + " as full copies; "
        + String.join("; ", parts) + ".";
  }

  private static DeltaMeasurement.Mode mode(DeltaMeasurement m, String mode) {
    return m.modes().stream().filter(x -> x.mode().equals(mode)).findFirst().orElse(null);
  }

  private static double mean(List<DeltaMeasurement> runs, ToDoubleFunction<DeltaMeasurement> value) {
    return runs.stream().mapToDouble(value).average().orElse(Double.NaN);
  }

  private static Summary summary(List<DeltaMeasurement> runs, ToDoubleFunction<DeltaMeasurement> value) {
    return Summary.of(runs.stream().mapToDouble(value).filter(Double::isFinite).toArray());
  }

  private static String megabytes(long bytes) {
    return String.format(Locale.ROOT, "%.2f MB", bytes / 1e6);
  }

  private static String times(double factor) {
    return String.format(Locale.ROOT, "%.1f×", factor);
  }
}
