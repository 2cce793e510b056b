package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import dev.mentor.training.engine.Scalars;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A weighted sum of named loss terms, {@code Σ_j w_j · L_j}. The arrays a step offers are named
 * ({@link NDArray#setName}); each term reads its labels and predictions by name, so one
 * evaluation serves terms on logits, teacher targets and tapped feature maps alike. Terms of
 * weight 0 are still evaluated (their values are recorded) but add nothing to the gradient, and
 * each term's own, unweighted value of the last evaluation is kept for the learning curve.
 */
public final class CompositeLoss extends Loss {
  private final List<Term> terms;
  private final Map<String, NDArray> lastValues = new LinkedHashMap<>();

  public CompositeLoss(List<Term> terms) {
    super("composite");
    if (terms.isEmpty()) {
      throw new IllegalArgumentException("a composite loss needs at least one term");
    }
    this.terms = List.copyOf(terms);
  }

  /** One term: {@code weight × loss(labels named …, predictions named …)}. */
  public record Term(String name, double weight, Loss loss, List<String> labels, List<String> predictions) {
    public Term {
      if (!(weight >= 0) || Double.isInfinite(weight)) {
        throw new IllegalArgumentException("term '" + name + "' needs a finite weight >= 0, got " + weight);
      }
    }
  }

  public List<Term> terms() {
    return terms;
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    lastValues.clear();
    NDArray total = null;
    for (Term term : terms) {
      NDArray value = term.loss().evaluate(select(labels, term.labels(), term), select(predictions, term.predictions(), term));
      lastValues.put(term.name(), value);
      if (term.weight() == 0) {
        continue;
      }
      NDArray weighted = term.weight() == 1 ? value : value.mul(Scalars.of(value, term.weight()));
      total = total == null ? weighted : total.add(weighted);
    }
    // Every term has weight 0 only when the caller asked for it; the loss is then exactly zero.
    return total == null ? lastValues.values().iterator().next().zerosLike() : total;
  }

  /** Each term's unweighted value from the last {@link #evaluate}, in term order. */
  public Map<String, NDArray> lastValues() {
    return lastValues;
  }

  private static NDList select(NDList arrays, List<String> names, Term term) {
    List<NDArray> picked = new ArrayList<>();
    for (String name : names) {
      NDArray array = arrays.get(name);
      if (array == null) {
        throw new IllegalArgumentException("loss term '" + term.name() + "' needs an array named '" + name + "'; offered: "
            + arrays.stream().map(NDArray::getName).toList());
      }
      picked.add(array);
    }
    return new NDList(picked);
  }
}
