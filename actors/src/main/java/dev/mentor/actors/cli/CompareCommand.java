package dev.mentor.actors.cli;

import dev.mentor.training.history.HistoryCompare;
import dev.mentor.training.history.HistoryStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mentor compare EXP[:ARM] EXP[:ARM] ...}: arms of experiments in the history side by side
 * ({@link HistoryCompare}): metrics as mean ± std over seeds, budgets, the test-accuracy difference
 * to the first with a plain verdict, and their validation curves overlaid in one chart.
 */
@Command(name = "compare", description = "Compare arms across experiments of the history: EXPERIMENT[:ARM] (by id or name; the arm left out:"
    + " the experiment's best arm on validation accuracy), metrics mean ± std over seeds, budgets, differences to the first with a verdict,"
    + " learning curves overlaid in one chart.")
final class CompareCommand implements Callable<Integer> {
  @Parameters(paramLabel = "EXPERIMENT[:ARM]", arity = "2..*", description = "two or more selections; the first is the baseline of the differences")
  List<String> selections;

  @Mixin
  HistoryOption history = new HistoryOption();

  @Option(names = "--output", defaultValue = "runs", description = "root folder of the runs, whose history.db is the default database (default: ${DEFAULT-VALUE})")
  Path output;

  @Option(names = "--chart", defaultValue = "compare.png", paramLabel = "FILE|none",
      description = "where the overlaid validation-accuracy curves go as a PNG, or none (default: ${DEFAULT-VALUE})")
  String chart;

  @Override
  public Integer call() throws Exception {
    try (HistoryStore store = HistoryCommand.openExisting(history, output); Connection db = store.readOnlyConnection()) {
      List<HistoryCompare.Selection> found;
      try {
        found = HistoryCompare.select(db, selections);
      } catch (HistoryCompare.UnknownSelection e) {
        System.err.println("mentor compare: " + e.getMessage());
        return 2;
      }
      System.out.print(HistoryCompare.table(found));
      if (!"none".equals(chart)) {
        Path file = Path.of(chart);
        HistoryCompare.chart(found, file);
        System.out.println("\nchart: " + file.toAbsolutePath().normalize());
      }
      return 0;
    }
  }
}
