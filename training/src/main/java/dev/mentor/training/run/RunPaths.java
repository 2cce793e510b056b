package dev.mentor.training.run;

import java.nio.file.Path;

/**
 * Where an experiment and its runs live: {@code <output>/<experiment>/} holds the resolved spec
 * and the report; each run (arm at seed) has {@code <arm>-s<seed>/} with its record, learning
 * curve, environment, checkpoints and final weights ({@code <arm>} as {@link #folder} writes it).
 */
public record RunPaths(Path experimentDir) {
  public Path spec() {
    return experimentDir.resolve("experiment.json");
  }

  public Path run(String arm, long seed) {
    return experimentDir.resolve(folder(arm) + "-s" + seed);
  }

  /**
   * An arm's name as a folder name: a swept arm's coordinates in brackets are written after an
   * '@' ({@code kd[temperature=4,alpha=0.9]} is {@code kd@temperature=4,alpha=0.9}), since shells
   * read brackets as a pattern (zsh refuses an unquoted one that matches nothing). No other arm
   * name holds an '@', so two arms never share a folder.
   */
  static String folder(String arm) {
    int open = arm.indexOf('[');
    return open < 0 ? arm : arm.substring(0, open) + "@" + arm.substring(open + 1, arm.length() - 1);
  }

  public Path results(String arm, long seed) {
    return run(arm, seed).resolve("results.json");
  }

  public Path finalWeights(String arm, long seed) {
    return run(arm, seed).resolve("model.params");
  }

  /** Directory of member {@code member} (from 0) of an ensemble arm's run. */
  public Path member(String arm, long seed, int member) {
    return run(arm, seed).resolve("member-" + member);
  }

  public Path memberWeights(String arm, long seed, int member) {
    return member(arm, seed, member).resolve("model.params");
  }
}
