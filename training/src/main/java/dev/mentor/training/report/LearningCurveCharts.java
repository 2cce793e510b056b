package dev.mentor.training.report;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.training.files.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.lines.SeriesLines;

/**
 * The learning-curve charts of one task, as 800×500 PNGs: validation accuracy per epoch, and
 * training loss (solid) against validation loss (dashed) per epoch. Every curve is the mean over
 * the seeds that reached the epoch; an arm keeps its colour across both charts.
 */
final class LearningCurveCharts {
  static {
    // ImageIO's default file cache registers a JVM shutdown hook per stream, which fails while the
    // JVM stops (a report written as a service drains on SIGTERM); charts are small, memory will do.
    ImageIO.setUseCache(false);
  }

  /** A written chart: its title and its path relative to the experiment folder. */
  record Link(String title, String path) {}

  static final String FOLDER = "charts";
  private static final int WIDTH = 800;
  private static final int HEIGHT = 500;

  private LearningCurveCharts() {}

  /** Writes the task's charts under {@code experimentDir/charts}; a chart without data is skipped. */
  static List<Link> write(Path experimentDir, String task, List<ArmResults> arms) {
    System.setProperty("java.awt.headless", "true");
    List<Link> links = new ArrayList<>();
    validationAccuracy(task, arms).ifPresent(chart -> links.add(save(experimentDir, chart, task, "validation-accuracy")));
    losses(task, arms).ifPresent(chart -> links.add(save(experimentDir, chart, task, "loss")));
    return links;
  }

  private static Optional<XYChart> validationAccuracy(String task, List<ArmResults> arms) {
    XYChart chart = newChart("Validation accuracy, task " + task, "validation accuracy (%)");
    Color[] colors = chart.getStyler().getSeriesColors();
    for (int i = 0; i < arms.size(); i++) {
      ArmResults.Curve curve = arms.get(i).meanCurve(m -> m.validationAccuracy() * 100);
      addSeries(chart, arms.get(i).name(), curve, colors[i % colors.length], SeriesLines.SOLID);
    }
    return chart.getSeriesMap().isEmpty() ? Optional.empty() : Optional.of(chart);
  }

  private static Optional<XYChart> losses(String task, List<ArmResults> arms) {
    XYChart chart = newChart("Training (solid) and validation (dashed) loss, task " + task, "loss (nats per sample)");
    Color[] colors = chart.getStyler().getSeriesColors();
    for (int i = 0; i < arms.size(); i++) {
      ArmResults arm = arms.get(i);
      Color color = colors[i % colors.length];
      addSeries(chart, arm.name() + " (train)", arm.meanCurve(EpochMetrics::trainLoss), color, SeriesLines.SOLID);
      addSeries(chart, arm.name() + " (val)", arm.meanCurve(EpochMetrics::validationLoss), color, SeriesLines.DASH_DASH);
    }
    return chart.getSeriesMap().isEmpty() ? Optional.empty() : Optional.of(chart);
  }

  private static XYChart newChart(String title, String yAxis) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("epoch").yAxisTitle(yAxis).build();
    chart.getStyler().setLegendPosition(LegendPosition.OutsideE).setMarkerSize(4);
    chart.getStyler().setXAxisDecimalPattern("#").setXAxisMin(1.0);
    return chart;
  }

  private static void addSeries(XYChart chart, String name, ArmResults.Curve curve, Color color, BasicStroke line) {
    if (curve.isEmpty()) {
      return;
    }
    XYSeries series = chart.addSeries(name, curve.epochs(), curve.values());
    series.setLineColor(color);
    series.setMarkerColor(color);
    series.setLineStyle(line);
  }

  private static Link save(Path experimentDir, XYChart chart, String task, String kind) {
    String file = FOLDER + "/" + task.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + kind + ".png";
    AtomicFiles.write(experimentDir.resolve(file), out -> BitmapEncoder.saveBitmap(chart, out, BitmapFormat.PNG));
    return new Link(chart.getTitle(), file);
  }
}
