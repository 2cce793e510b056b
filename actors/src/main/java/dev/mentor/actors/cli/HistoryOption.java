package dev.mentor.actors.cli;

import dev.mentor.training.history.HistoryLocation;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --history}: where the commands that run or read experiments find the experiment history (docs/history.md). */
final class HistoryOption {
  @Option(names = "--history", paramLabel = "URL|FILE|none", description = "experiment history database: a JDBC URL (jdbc:postgresql://HOST/DB;"
      + " user and password from MENTOR_HISTORY_USER, MENTOR_HISTORY_PASSWORD), an SQLite file, or none (default: MENTOR_HISTORY_URL, else"
      + " <output>/history.db)")
  String history;

  /** The history of this command; {@code config}: the {@code mentor.history.*} keys of a client config; null for none. */
  HistoryLocation location(Path output, Map<String, String> config) {
    return HistoryLocation.resolve(history, config, System.getenv(), output);
  }
}
