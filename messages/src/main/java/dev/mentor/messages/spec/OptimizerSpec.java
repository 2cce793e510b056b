package dev.mentor.messages.spec;

import java.util.List;

/**
 * The optimiser and its rates. {@code adam} adds {@code weightDecay}·w to the gradient (L2);
 * {@code adamw} decays weights directly (decoupled); {@code sgd} uses {@code momentum}.
 * {@code layerDecay} in (0, 1] is the "slow learner" factor: the head learns at {@code lr},
 * each earlier stage at {@code layerDecay} times the rate of the stage after it (1 = uniform).
 */
public record OptimizerSpec(Type type, Double lr, Double momentum, Double weightDecay, Double layerDecay) {
  /** The optimiser (see the class comment). */
  public enum Type implements SpecName {
    ADAM, ADAMW, SGD;

    @Override
    public String toString() {
      return specName();
    }
  }

  public OptimizerSpec {
    type = type == null ? Type.ADAM : type;
    lr = Check.positive("lr", lr == null ? 1e-3 : lr);
    momentum = Check.inRange("momentum", momentum == null ? (type == Type.SGD ? 0.9 : 0.0) : momentum, 0, 0.999999);
    weightDecay = Check.nonNegative("weightDecay", weightDecay == null ? 0.0 : weightDecay);
    layerDecay = layerDecay == null ? 1.0 : layerDecay;
    if (!(layerDecay > 0 && layerDecay <= 1)) {
      throw new SpecException("layerDecay", "must be in (0, 1], got " + layerDecay);
    }
  }
}
