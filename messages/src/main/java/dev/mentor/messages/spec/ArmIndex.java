package dev.mentor.messages.spec;

import java.util.AbstractList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;

/**
 * An experiment's arms in spec order, with an index by name. A record cannot hold a derived
 * field, so {@link ExperimentSpec} keeps its {@code arms} as this list: it is an ordinary
 * unmodifiable list to every reader and to Jackson, and {@link ExperimentSpec#arm} finds an arm in
 * constant time instead of scanning the arms once per run it plans.
 */
final class ArmIndex extends AbstractList<ArmSpec> implements RandomAccess {
  private final List<ArmSpec> arms;
  private final Map<String, ArmSpec> byName;

  /** {@code arms} must have distinct names, as {@link ExperimentSpec} checks before building the index. */
  ArmIndex(List<ArmSpec> arms) {
    this.arms = List.copyOf(arms);
    this.byName = new HashMap<>(this.arms.size() * 2);
    for (ArmSpec arm : this.arms) {
      byName.put(arm.name(), arm);
    }
  }

  ArmSpec byName(String name) {
    return byName.get(name);
  }

  @Override
  public ArmSpec get(int index) {
    return arms.get(index);
  }

  @Override
  public int size() {
    return arms.size();
  }
}
