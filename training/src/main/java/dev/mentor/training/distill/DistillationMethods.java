package dev.mentor.training.distill;

import dev.mentor.messages.spec.DistillSpec.LogitMode;
import dev.mentor.messages.spec.DistillSpec;
import dev.mentor.messages.spec.FeatureTermSpec.Method;
import dev.mentor.messages.spec.FeatureTermSpec;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Every distillation method Mentor knows, by the spec's name for it ({@link LogitMode},
 * {@link Method}). Adding a method is one class implementing {@link LogitMethod} or
 * {@link FeatureMethod}, one line here and its constant in the spec's enum; a constant without a
 * method fails when this class loads, so the spec cannot accept a name nothing implements.
 */
public final class DistillationMethods {
  private static final Map<LogitMode, LogitMethod> LOGITS = registry(LogitMode.class, List.of(
      new SoftTargetsMethod(),
      new LogitMatchingMethod(),
      new NoLogitsMethod()), LogitMethod::mode);

  private static final Map<Method, FeatureMethod> FEATURES = registry(Method.class, List.of(
      new AttentionMethod(),
      new SimilarityMethod(),
      new FitNetsMethod()), FeatureMethod::method);

  private DistillationMethods() {}

  /** The logit method of a student's spec. */
  public static LogitMethod logits(DistillSpec spec) {
    return logits(spec.logits());
  }

  public static LogitMethod logits(LogitMode mode) {
    return LOGITS.get(mode);
  }

  /** The method of a feature term. */
  public static FeatureMethod feature(FeatureTermSpec term) {
    return feature(term.method());
  }

  public static FeatureMethod feature(Method method) {
    return FEATURES.get(method);
  }

  public static Set<LogitMode> logitModes() {
    return LOGITS.keySet();
  }

  public static Set<Method> featureMethods() {
    return FEATURES.keySet();
  }

  private static <K extends Enum<K>, T> Map<K, T> registry(Class<K> keys, List<T> methods, Function<T, K> key) {
    Map<K, T> map = new EnumMap<>(keys);
    for (T method : methods) {
      if (map.put(key.apply(method), method) != null) {
        throw new IllegalStateException("two distillation methods for '" + key.apply(method) + "'");
      }
    }
    if (map.size() != keys.getEnumConstants().length) {
      throw new IllegalStateException("no distillation method for " + Set.of(keys.getEnumConstants()).stream()
          .filter(k -> !map.containsKey(k)).toList());
    }
    return Collections.unmodifiableMap(map);
  }
}
