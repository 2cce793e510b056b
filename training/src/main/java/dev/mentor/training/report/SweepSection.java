package dev.mentor.training.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.messages.spec.SweepPoint;
import dev.mentor.training.files.AtomicFiles;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.lines.SeriesLines;

/**
 * The sweeps of one task: for every sweep of the file (the arms expanded from one {@code sweep},
 * {@link SweepPoint#index()}), the test metric at each point of its grid as mean ± std over seeds.
 * One axis that varies: a table and a line chart of test and validation accuracy with error bars
 * (a bar chart when the axis' values are not numbers); two: a grid table and a heatmap of the test
 * accuracy; more: the table alone. The best point is chosen on validation accuracy (mean over
 * seeds), never on test data, and the section says so; its test numbers are reported as they are.
 */
final class SweepSection {
  private static final int WIDTH = 800;
  private static final int HEIGHT = 500;

  private SweepSection() {}

  /** One point of a sweep: its arm's results and the value of each axis. */
  private record Point(ArmResults arm, SweepPoint at) {
    JsonNode value(String axis) {
      JsonNode value = at.value(axis);
      return value == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : value;
    }

    Summary validationAccuracy() {
      return arm.summarise(run -> run.validation() == null ? Double.NaN : run.validation().accuracy());
    }

    Summary testAccuracy() {
      return arm.testAccuracy();
    }

    Summary testNll() {
      return arm.test(EvalMetrics::nll);
    }
  }

  /** The section for {@code task}'s arms (empty when none came from a sweep); charts go under {@code experimentDir/charts}. */
  static String render(Path experimentDir, String task, List<ArmResults> arms) {
    Map<Integer, List<Point>> sweeps = new LinkedHashMap<>();
    for (ArmResults arm : arms) {
      SweepPoint at = arm.spec().sweepPoint();
      if (at != null) {
        sweeps.computeIfAbsent(at.index(), i -> new ArrayList<>()).add(new Point(arm, at));
      }
    }
    StringBuilder out = new StringBuilder();
    sweeps.forEach((index, points) -> out.append(sweep(experimentDir, task, index, points)));
    return out.toString();
  }

  private static String sweep(Path experimentDir, String task, int index, List<Point> points) {
    List<String> axes = new ArrayList<>();
    for (Point point : points) {
      point.at().values().fieldNames().forEachRemaining(axis -> {
        if (!axes.contains(axis)) {
          axes.add(axis);
        }
      });
    }
    // Axes whose value is the same at every point (a zip partner fixed, say) say nothing about the grid.
    List<String> varying = axes.stream().filter(axis -> points.stream().map(p -> p.value(axis)).distinct().count() > 1).toList();
    StringBuilder out = new StringBuilder("### Sweep `" + points.get(0).at().arm() + "` (arms[" + index + "]), task `" + task + "`\n\n");
    out.append(points.size()).append(" points");
    if (!varying.isEmpty()) {
      out.append(" over ").append(varying.stream().map(axis -> "`" + axis + "` (" + values(points, axis).size() + " values)")
          .collect(Collectors.joining(" × ")));
    }
    out.append("; mean ± std over seeds, n runs per point.\n\n");
    if (points.size() < 2 || varying.isEmpty()) {
      return out.append(table(points, axes)).append('\n').toString();
    }
    Point best = best(points);
    if (varying.size() == 2) {
      out.append(grid(points, varying.get(0), varying.get(1), best)).append('\n');
      out.append(link(experimentDir, heatmap(task, index, points, varying.get(0), varying.get(1)), task, index));
    } else {
      out.append(table(points, varying)).append('\n');
      if (varying.size() == 1) {
        out.append(link(experimentDir, curve(task, index, points, varying.get(0)), task, index));
      } else {
        out.append("A grid over ").append(varying.size()).append(" axes is shown as a table only.\n\n");
      }
    }
    out.append(bestLine(best)).append("\n\n");
    return out.toString();
  }

  /** The point with the highest mean validation accuracy; null when no point has one. */
  private static Point best(List<Point> points) {
    return points.stream().filter(p -> p.validationAccuracy().n() > 0)
        .max(Comparator.comparingDouble((Point p) -> p.validationAccuracy().mean())
            .thenComparing(p -> -p.arm().summarise(r -> r.validation() == null ? Double.NaN : r.validation().nll()).mean()))
        .orElse(null);
  }

  private static String bestLine(Point best) {
    if (best == null) {
      return "No point has validation results: no best point is named.";
    }
    return "Best point, chosen on validation accuracy (mean over seeds; never on test data): `" + best.arm().name() + "`"
        + " — validation " + best.validationAccuracy().formatPercent() + " %, test " + best.testAccuracy().formatPercent()
        + " % (test NLL " + best.testNll().format(3) + "). Its test numbers are not the best of the grid by construction: they"
        + " estimate how the point chosen on validation does on unseen data.";
  }

  /** One row per point: the axes' values, the arm, n, validation and test accuracy, test NLL. */
  private static String table(List<Point> points, List<String> axes) {
    List<String> header = new ArrayList<>();
    axes.forEach(axis -> header.add("`" + axis + "`"));
    header.addAll(List.of("Arm", "n", "Val acc %", "Test acc %", "Test NLL"));
    MarkdownTable table = new MarkdownTable(header);
    List<Point> sorted = new ArrayList<>(points);
    for (int i = axes.size() - 1; i >= 0; i--) {
      List<JsonNode> order = values(points, axes.get(i));
      String axis = axes.get(i);
      sorted.sort(Comparator.comparingInt(p -> order.indexOf(p.value(axis))));
    }
    for (Point point : sorted) {
      List<String> row = new ArrayList<>();
      axes.forEach(axis -> row.add(text(point.value(axis))));
      int runs = point.arm().runs().size();
      row.addAll(List.of("`" + point.arm().name() + "`", String.valueOf(runs),
          Cells.withN(point.validationAccuracy(), point.validationAccuracy().formatPercent(), runs),
          Cells.withN(point.testAccuracy(), point.testAccuracy().formatPercent(), runs),
          Cells.withN(point.testNll(), point.testNll().format(3), runs)));
      table.add(row);
    }
    return table.render();
  }

  /** Rows: the first axis' values; columns: the second's; cells: test accuracy, the best point on validation in bold. */
  private static String grid(List<Point> points, String rows, String columns, Point best) {
    List<JsonNode> rowValues = values(points, rows);
    List<JsonNode> columnValues = values(points, columns);
    List<String> header = new ArrayList<>();
    header.add("`" + rows + "` \\ `" + columns + "`");
    columnValues.forEach(value -> header.add(text(value)));
    MarkdownTable table = new MarkdownTable(header);
    for (JsonNode row : rowValues) {
      List<String> cells = new ArrayList<>();
      cells.add(text(row));
      for (JsonNode column : columnValues) {
        List<Point> here = points.stream().filter(p -> p.value(rows).equals(row) && p.value(columns).equals(column)).toList();
        if (here.isEmpty()) {
          cells.add("—");
          continue;
        }
        Point point = here.get(0);
        String cell = Cells.withN(point.testAccuracy(), point.testAccuracy().formatPercent(), point.arm().runs().size());
        cells.add(point == best ? "**" + cell + "** (best on validation)" : cell);
      }
      table.add(cells);
    }
    return "Test accuracy % at each point:\n\n" + table.render();
  }

  /** An axis' values in ascending order when they are all numbers, else in the order the arms come in. */
  private static List<JsonNode> values(List<Point> points, String axis) {
    Set<JsonNode> seen = new LinkedHashSet<>();
    points.forEach(p -> seen.add(p.value(axis)));
    List<JsonNode> values = new ArrayList<>(seen);
    if (values.stream().allMatch(JsonNode::isNumber)) {
      values.sort(Comparator.comparingDouble(JsonNode::asDouble));
    }
    return values;
  }

  /** A value as the spec writes it: numbers and strings as themselves, lists and mappings as JSON. */
  static String text(JsonNode value) {
    if (value.isNumber()) {
      // 1.0E-4 as 0.0001, 4.0 as 4: as a person writes the number.
      return value.decimalValue().stripTrailingZeros().toPlainString();
    }
    return value.isValueNode() ? value.asText() : value.toString();
  }

  private static Chart<?, ?> curve(String task, int index, List<Point> points, String axis) {
    List<JsonNode> values = values(points, axis);
    List<Point> ordered = values.stream().map(v -> points.stream().filter(p -> p.value(axis).equals(v)).findFirst().orElseThrow()).toList();
    String title = "Sweep arms[" + index + "], task " + task + ": accuracy against " + axis;
    List<Double> test = ordered.stream().map(p -> p.testAccuracy().mean() * 100).toList();
    List<Double> testStd = ordered.stream().map(p -> p.testAccuracy().std() * 100).toList();
    List<Double> validation = ordered.stream().map(p -> p.validationAccuracy().mean() * 100).toList();
    List<Double> validationStd = ordered.stream().map(p -> p.validationAccuracy().std() * 100).toList();
    boolean hasValidation = ordered.stream().allMatch(p -> p.validationAccuracy().n() > 0);
    if (values.stream().allMatch(JsonNode::isNumber)) {
      XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(axis).yAxisTitle("accuracy (%)").build();
      chart.getStyler().setLegendPosition(LegendPosition.InsideSE).setMarkerSize(6);
      double min = values.get(0).asDouble();
      double max = values.get(values.size() - 1).asDouble();
      // Learning rates, temperatures, data sizes: values that span decades read on a log axis.
      if (min > 0 && max / min >= 100) {
        chart.getStyler().setXAxisLogarithmic(true);
      }
      List<Double> x = values.stream().map(JsonNode::asDouble).toList();
      chart.addSeries("test", x, test, testStd).setLineStyle(SeriesLines.SOLID);
      if (hasValidation) {
        chart.addSeries("validation", x, validation, validationStd).setLineStyle(SeriesLines.DASH_DASH);
      }
      return chart;
    }
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(axis).yAxisTitle("accuracy (%)").build();
    chart.getStyler().setLegendPosition(LegendPosition.InsideSE);
    List<String> labels = values.stream().map(SweepSection::text).toList();
    chart.addSeries("test", labels, test, testStd);
    if (hasValidation) {
      chart.addSeries("validation", labels, validation, validationStd);
    }
    return chart;
  }

  private static Chart<?, ?> heatmap(String task, int index, List<Point> points, String rows, String columns) {
    List<JsonNode> rowValues = values(points, rows);
    List<JsonNode> columnValues = values(points, columns);
    List<Number[]> heat = new ArrayList<>();
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (Point point : points) {
      if (point.testAccuracy().n() == 0) {
        continue;
      }
      double value = point.testAccuracy().mean() * 100;
      min = Math.min(min, value);
      max = Math.max(max, value);
      heat.add(new Number[] {columnValues.indexOf(point.value(columns)), rowValues.indexOf(point.value(rows)), value});
    }
    HeatMapChart chart = new HeatMapChartBuilder().width(WIDTH).height(HEIGHT)
        .title("Sweep arms[" + index + "], task " + task + ": test accuracy % (mean over seeds)").xAxisTitle(columns).yAxisTitle(rows).build();
    chart.getStyler().setShowValue(true).setHeatMapValueDecimalPattern("0.0").setRangeColors(new Color[] {
        new Color(0xf7fbff), new Color(0x6baed6), new Color(0x08306b)});
    if (heat.isEmpty()) {
      min = 0;
      max = 100;
    }
    chart.getStyler().setMin(min).setMax(max == min ? min + 1 : max);
    chart.addSeries("test accuracy", columnValues.stream().map(SweepSection::text).toList(), rowValues.stream().map(SweepSection::text).toList(), heat);
    return chart;
  }

  private static String link(Path experimentDir, Chart<?, ?> chart, String task, int index) {
    String file = LearningCurveCharts.FOLDER + "/" + task.replaceAll("[^A-Za-z0-9._-]", "_") + "-sweep-" + index + ".png";
    AtomicFiles.write(experimentDir.resolve(file), out -> BitmapEncoder.saveBitmap(chart, out, BitmapFormat.PNG));
    return "![" + chart.getTitle().replace("]", ")").replace("[", "(") + "](" + file + ")\n\n";
  }
}
