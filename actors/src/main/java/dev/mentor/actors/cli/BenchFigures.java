package dev.mentor.actors.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The ratios a benchmark run measured, each with the direction that is better, checked against
 * the figures recorded in {@code docs/benchmarks.md} ({@code mentor bench --check}): a ratio more
 * than {@link #TOLERANCE} worse than its recorded figure is a regression. The recorded figures
 * are the rows of the table whose header is {@code | figure | recorded | better |}.
 */
final class BenchFigures {
  /** How much worse than recorded a ratio may be before the check fails: 10 %. */
  static final double TOLERANCE = 0.10;
  static final String HEADER = "| figure | recorded | better |";

  /** Whether a larger value of a figure is better (a speed-up) or a smaller one (an overhead). */
  enum Better {
    HIGHER, LOWER
  }

  /** One measured or recorded figure. */
  record Figure(String name, double value, Better better) {}

  /** A measured figure against its recorded one; {@code regressed} when worse by more than the tolerance. */
  record Comparison(Figure measured, Double recorded, boolean regressed) {}

  private final Map<String, Figure> measured = new LinkedHashMap<>();

  void record(String name, double value, Better better) {
    measured.put(name, new Figure(name, value, better));
  }

  Map<String, Figure> measured() {
    return measured;
  }

  /** The recorded figures of a benchmarks document, by name. */
  static Map<String, Figure> recorded(String markdown) {
    Map<String, Figure> figures = new LinkedHashMap<>();
    boolean inTable = false;
    for (String line : markdown.split("\n")) {
      String trimmed = line.trim();
      if (trimmed.replace(" ", "").equalsIgnoreCase(HEADER.replace(" ", ""))) {
        inTable = true;
        continue;
      }
      if (!inTable) {
        continue;
      }
      if (!trimmed.startsWith("|")) {
        inTable = false;
        continue;
      }
      String[] cells = trimmed.substring(1, trimmed.endsWith("|") ? trimmed.length() - 1 : trimmed.length()).split("\\|");
      if (cells.length < 3 || cells[0].trim().startsWith("---")) {
        continue;
      }
      String name = cells[0].trim().replace("`", "");
      try {
        double value = Double.parseDouble(cells[1].trim().replace("×", "").replace("%", ""));
        Better better = Better.valueOf(cells[2].trim().toUpperCase(Locale.ROOT));
        figures.put(name, new Figure(name, value, better));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("recorded figure '" + name + "': expected a number and higher or lower, got '" + cells[1].trim()
            + "' and '" + cells[2].trim() + "'", e);
      }
    }
    return figures;
  }

  static Map<String, Figure> recorded(Path document) throws IOException {
    return recorded(Files.readString(document));
  }

  /** Each measured figure against its recorded one (null when none is recorded, which never fails). */
  List<Comparison> compare(Map<String, Figure> recorded) {
    List<Comparison> comparisons = new ArrayList<>();
    for (Figure figure : measured.values()) {
      Figure reference = recorded.get(figure.name());
      if (reference == null) {
        comparisons.add(new Comparison(figure, null, false));
        continue;
      }
      boolean regressed = figure.better() == Better.HIGHER
          ? figure.value() < reference.value() * (1 - TOLERANCE)
          : figure.value() > reference.value() * (1 + TOLERANCE);
      comparisons.add(new Comparison(figure, reference.value(), regressed || Double.isNaN(figure.value())));
    }
    return comparisons;
  }

  /** The comparison as a table a person reads. */
  static String table(List<Comparison> comparisons) {
    StringBuilder out = new StringBuilder("| figure | measured | recorded | better | verdict |\n|---|---|---|---|---|\n");
    for (Comparison c : comparisons) {
      out.append(String.format(Locale.ROOT, "| %s | %.3f | %s | %s | %s |%n", c.measured().name(), c.measured().value(),
          c.recorded() == null ? "none" : String.format(Locale.ROOT, "%.3f", c.recorded()), c.measured().better().name().toLowerCase(Locale.ROOT),
          c.recorded() == null ? "not recorded" : c.regressed() ? "REGRESSED (more than 10 % worse)" : "ok"));
    }
    return out.toString();
  }
}
