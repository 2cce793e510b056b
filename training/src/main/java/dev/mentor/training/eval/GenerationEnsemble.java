package dev.mentor.training.eval;

import dev.mentor.messages.record.EvalMetrics;
import java.util.List;

/**
 * A born-again generation evaluated together with the generations before it: the ensemble that
 * averages the probabilities of generations 1..k ({@code members}, in order) at one seed on the
 * test split, Furlanello et al.'s born-again network ensemble (BANE). Written as {@value #FILE}
 * in generation k's run folder.
 */
public record GenerationEnsemble(String arm, long seed, List<String> members, EvalMetrics test) {
  public static final String FILE = "generation-ensemble.json";
}
