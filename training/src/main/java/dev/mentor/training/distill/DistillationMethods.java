package dev.mentor.training.distill;

import dev.mentor.messages.spec.DistillSpec;
import dev.mentor.messages.spec.FeatureTermSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Every distillation method Mentor knows, by its name in the spec. Adding a method is one class
 * implementing {@link LogitMethod} or {@link FeatureMethod} and one line here (and its name among
 * the spec's allowed values, {@link DistillSpec#LOGIT_METHODS} or {@link FeatureTermSpec#METHODS}).
 */
public final class DistillationMethods {
  private static final Map<String, LogitMethod> LOGITS = byName(List.of(
      new SoftTargetsMethod(),
      new LogitMatchingMethod(),
      new NoLogitsMethod()), LogitMethod::name);

  private static final Map<String, FeatureMethod> FEATURES = byName(List.of(
      new AttentionMethod(),
      new SimilarityMethod(),
      new FitNetsMethod()), FeatureMethod::name);

  private DistillationMethods() {}

  /** The logit method of a student's spec. */
  public static LogitMethod logits(DistillSpec spec) {
    return logits(spec.logits());
  }

  public static LogitMethod logits(String name) {
    return find(LOGITS, name, "logit method");
  }

  /** The method of a feature term. */
  public static FeatureMethod feature(FeatureTermSpec term) {
    return feature(term.method());
  }

  public static FeatureMethod feature(String name) {
    return find(FEATURES, name, "feature method");
  }

  public static Set<String> logitNames() {
    return LOGITS.keySet();
  }

  public static Set<String> featureNames() {
    return FEATURES.keySet();
  }

  private static <T> Map<String, T> byName(List<T> methods, Function<T, String> name) {
    Map<String, T> map = new LinkedHashMap<>();
    for (T method : methods) {
      if (map.put(name.apply(method), method) != null) {
        throw new IllegalStateException("two distillation methods named '" + name.apply(method) + "'");
      }
    }
    return java.util.Collections.unmodifiableMap(map);
  }

  private static <T> T find(Map<String, T> methods, String name, String what) {
    T method = methods.get(name);
    if (method == null) {
      throw new IllegalArgumentException("unknown " + what + " '" + name + "'; known: " + String.join(", ", methods.keySet()));
    }
    return method;
  }
}
