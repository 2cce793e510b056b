package dev.mentor.actors.cli;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.training.run.RunListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar per epoch (redrawn in place on the error stream, when that is a terminal) and
 * a one-line summary per epoch and per run on the output stream.
 */
final class ConsoleProgress implements RunListener {
  private static final int WIDTH = 30;
  private final PrintStream bar;
  private final boolean interactive;
  private final PrintStream lines;
  private String current = "";
  private int planned;
  private int epoch;
  private long lastDraw;

  ConsoleProgress(PrintStream bar, PrintStream lines) {
    this.bar = bar;
    this.lines = lines;
    this.interactive = System.console() != null;
  }

  @Override
  public void runStarted(String arm, long seed, int epochsPlanned, boolean resumed) {
    current = arm + " seed " + seed;
    planned = epochsPlanned;
    epoch = 0;
    lines.println("== " + current + (resumed ? " (resuming from checkpoint)" : "") + ", " + epochsPlanned + " epochs planned");
  }

  @Override
  public void batchDone(int batch, int batches) {
    long now = System.nanoTime();
    if (!interactive || batch != batches && now - lastDraw < 100_000_000L) {
      return;
    }
    lastDraw = now;
    int filled = (int) ((long) WIDTH * batch / batches);
    bar.print(String.format(Locale.ROOT, "\r  epoch %d/%d [%s%s] %d/%d batches", epoch + 1, planned,
        "#".repeat(filled), ".".repeat(WIDTH - filled), batch, batches));
    bar.flush();
  }

  @Override
  public void epochFinished(String arm, long seed, EpochMetrics m) {
    epoch = m.epoch();
    if (interactive) {
      bar.print("\r" + " ".repeat(WIDTH + 40) + "\r");
    }
    lines.println(String.format(Locale.ROOT,
        "  %s epoch %d/%d (%s): loss %.4f acc %.2f%% | val loss %.4f acc %.2f%% | lr %.2e | %.0f samples/s",
        // The run the epoch belongs to, not the last one started: stacked and co-distilled members report in turn.
        arm + " seed " + seed, m.epoch(), planned, m.phase(), m.trainLoss(), 100 * m.trainAccuracy(), m.validationLoss(),
        100 * m.validationAccuracy(), m.learningRate(), m.samplesPerSecond()));
  }

  @Override
  public void runFinished(RunRecord r, boolean fromCache) {
    lines.println(String.format(Locale.ROOT, "== %s seed %d %s: test acc %.2f%%, NLL %.4f, ECE %.4f (%s)", r.arm(), r.seed(),
        fromCache ? "already done" : "finished", 100 * r.test().accuracy(), r.test().nll(), r.test().ece(), r.selection()));
  }
}
