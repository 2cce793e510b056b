package dev.mentor.training.run;

import java.nio.file.Path;

/**
 * Where an experiment and its runs live: {@code <output>/<experiment>/} holds the resolved spec
 * and the report; each run (arm at seed) has {@code <arm>-s<seed>/} with its record, learning
 * curve, environment, checkpoints and final weights.
 */
public record RunPaths(Path experimentDir) {
  public Path spec() {
    return experimentDir.resolve("experiment.json");
  }

  public Path run(String arm, long seed) {
    return experimentDir.resolve(arm + "-s" + seed);
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
