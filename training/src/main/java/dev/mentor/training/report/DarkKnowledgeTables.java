package dev.mentor.training.report;

import dev.mentor.training.distill.DarkKnowledge;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@link DarkKnowledge} view as Markdown tables, for the report and {@code mentor explain-teacher}:
 * the soft targets' mean entropy and the mass they keep on the true class at each temperature, and
 * the most confused class pairs with their mass at every temperature, ranked at one.
 */
public final class DarkKnowledgeTables {
  private DarkKnowledgeTables() {}

  /** One row per temperature: mean entropy (nats), its fraction of ln C, mean mass on the true class. */
  public static String entropy(DarkKnowledge view) {
    MarkdownTable table = new MarkdownTable(List.of("T", "Mean entropy (nats)", "Fraction of ln C", "Mass on the true class"));
    for (DarkKnowledge.Level level : view.levels()) {
      table.add(List.of(DarkKnowledge.plain(level.temperature()), String.format(Locale.ROOT, "%.3f", level.meanEntropy()),
          String.format(Locale.ROOT, "%.3f", level.entropyFraction()), String.format(Locale.ROOT, "%.3f", level.diagonalMass())));
    }
    return table.render();
  }

  /** The {@code count} pairs with the largest mass at {@code rankAt}, one column per temperature, the ranking one marked. */
  public static String pairs(DarkKnowledge view, double rankAt, int count) {
    List<String> header = new ArrayList<>(List.of("Rank", "Pair"));
    view.temperatureList().forEach(t -> header.add("T = " + DarkKnowledge.plain(t) + (t == rankAt ? " (ranked)" : "")));
    MarkdownTable table = new MarkdownTable(header);
    List<DarkKnowledge.Pair> top = view.topPairs(rankAt, count);
    for (int r = 0; r < top.size(); r++) {
      DarkKnowledge.Pair pair = top.get(r);
      List<String> row = new ArrayList<>(List.of(String.valueOf(r + 1), pair.names()));
      view.temperatureList().forEach(t -> row.add(String.format(Locale.ROOT, "%.4f", view.pairMass(t, pair.first(), pair.second()))));
      table.add(row);
    }
    return table.render();
  }
}
