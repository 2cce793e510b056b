package dev.mentor.training.report;

import dev.mentor.training.distill.DarkKnowledge;
import dev.mentor.training.files.AtomicFiles;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.lines.SeriesLines;

/**
 * The pictures of a {@link DarkKnowledge} view, for the report and {@code mentor explain-teacher}:
 * a heatmap of the mean soft target per true class at one temperature (rows: true class, top to
 * bottom; columns: the class the mass goes to), its colour scale running from 0 to the largest
 * off-diagonal value so the structure off the diagonal shows (the diagonal saturates; every cell's
 * value is printed), and the soft targets' mean entropy against T on a log axis with ln C marked.
 */
public final class DarkKnowledgeCharts {
  private static final int SIZE = 800;
  private static final Color[] SCALE = {new Color(0xf7fbff), new Color(0x6baed6), new Color(0x08306b)};

  private DarkKnowledgeCharts() {}

  /** The heatmap of {@code view}'s level at temperature {@code t}, titled after {@code teacher}. */
  public static HeatMapChart heatmap(String teacher, DarkKnowledge view, double t) {
    DarkKnowledge.Level level = view.level(t);
    double[][] m = level.meanSoftTargets();
    int k = m.length;
    List<String> names = view.classes();
    double offDiagonal = 0;
    List<Number[]> cells = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < k; j++) {
        if (i != j) {
          offDiagonal = Math.max(offDiagonal, m[i][j]);
        }
        // The heatmap's y axis counts from the bottom: true class 0 goes on top, as in a confusion matrix.
        cells.add(new Number[] {j, k - 1 - i, m[i][j]});
      }
    }
    HeatMapChart chart = new HeatMapChartBuilder().width(SIZE).height(SIZE)
        .title(teacher + ": mean soft target per true class, T = " + DarkKnowledge.plain(t))
        .xAxisTitle("class the soft target puts mass on").yAxisTitle("true class").build();
    chart.getStyler().setShowValue(true).setHeatMapValueDecimalPattern("0.00").setRangeColors(SCALE).setLegendVisible(false);
    chart.getStyler().setMin(0).setMax(offDiagonal > 0 ? offDiagonal : 1);
    List<String> rows = IntStream.range(0, k).mapToObj(i -> names.get(k - 1 - i)).toList();
    chart.addSeries("mean soft target", names, rows, cells);
    return chart;
  }

  /** The mean entropy of each view's soft targets against T (log axis), one series per view, with ln C dashed. */
  public static XYChart entropy(String title, List<String> labels, List<DarkKnowledge> views) {
    XYChart chart = new XYChartBuilder().width(SIZE).height(500).title(title).xAxisTitle("temperature T")
        .yAxisTitle("mean entropy of the soft targets (nats)").build();
    chart.getStyler().setXAxisLogarithmic(true).setLegendPosition(LegendPosition.InsideSE).setMarkerSize(6);
    List<Double> all = new ArrayList<>();
    for (int v = 0; v < views.size(); v++) {
      DarkKnowledge view = views.get(v);
      List<Double> t = view.temperatureList();
      all.addAll(t);
      chart.addSeries(labels.get(v), t, view.levels().stream().map(DarkKnowledge.Level::meanEntropy).toList());
    }
    double lnC = Math.log(views.get(0).classes().size());
    double min = all.stream().mapToDouble(Double::doubleValue).min().orElse(1);
    double max = all.stream().mapToDouble(Double::doubleValue).max().orElse(1);
    chart.addSeries("ln C (uniform)", List.of(min, max), List.of(lnC, lnC)).setLineStyle(SeriesLines.DASH_DASH).setShowInLegend(true);
    return chart;
  }

  /** Writes {@code chart} as a PNG to {@code file}, atomically. */
  public static void writePng(Path file, Chart<?, ?> chart) {
    AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapFormat.PNG));
  }

  /** A file name part for a temperature: 4 as {@code 4}, 0.5 as {@code 0_5}. */
  public static String fileName(double t) {
    return DarkKnowledge.plain(t).replace('.', '_');
  }
}
