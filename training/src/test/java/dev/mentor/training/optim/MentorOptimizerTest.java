package dev.mentor.training.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.tracker.ParameterTracker;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.messages.spec.OptimizerSpec;
import dev.mentor.messages.spec.ScheduleSpec;
import dev.mentor.messages.spec.SpecName;
import dev.mentor.training.engine.GradMode;
import dev.mentor.training.model.ModelZoo;
import dev.mentor.training.model.StagedModel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MentorOptimizerTest {
  private static final double B1 = 0.9;
  private static final double B2 = 0.999;
  private static final double EPS = 1e-8;
  private static final float[] W0 = {0.5f, -0.3f, 0.2f, 1.0f};
  private static final float[] G1 = {0.1f, -2.0f, 0.5f, 3.0f};
  private static final float[] G2 = {-0.4f, -1.0f, 0.5f, 0.2f};

  private static ParameterTracker fixed(double lr) {
    return (id, step) -> (float) lr;
  }

  private static MentorOptimizer optimizer(String type, double lr, double momentum, double weightDecay) {
    return new MentorOptimizer(new OptimizerSpec(SpecName.parse(OptimizerSpec.Type.class, type), lr, momentum, weightDecay, null), fixed(lr));
  }

  /** One optimiser step on one parameter with an explicit gradient. */
  private static void step(MentorOptimizer optimizer, NDArray weight, float[] grad, boolean decay) {
    try (NDManager step = weight.getManager().newSubManager(); GradMode off = GradMode.off()) {
      optimizer.update("w", weight, step.create(grad, weight.getShape()), decay);
      optimizer.finishStep();
    }
  }

  @Test
  void adam_firstStep_isTheBiasCorrectedUpdate_movingEachWeightByAboutLrTimesSignOfGradient() {
    double lr = 0.01;
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray w = manager.create(W0.clone());
      step(optimizer("adam", lr, 0, 0), w, G1, true);
      float[] after = w.toFloatArray();
      for (int i = 0; i < W0.length; i++) {
        double m = (1 - B1) * G1[i];
        double v = (1 - B2) * G1[i] * G1[i];
        double mHat = m / (1 - B1);
        double vHat = v / (1 - B2);
        double expected = W0[i] - lr * mHat / (Math.sqrt(vHat) + EPS);
        assertThat((double) after[i]).as("w[%d]", i).isCloseTo(expected, within(1e-6));
        assertThat((double) after[i]).as("w[%d]", i).isCloseTo(W0[i] - lr * Math.signum(G1[i]), within(1e-6));
      }
    }
  }

  @Test
  void adam_secondStep_usesBothMomentsAndTheStepCountInTheBiasCorrection() {
    double lr = 0.01;
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray w = manager.create(W0.clone());
      MentorOptimizer adam = optimizer("adam", lr, 0, 0);
      step(adam, w, G1, true);
      step(adam, w, G2, true);
      assertThat(adam.step()).isEqualTo(2);
      float[] after = w.toFloatArray();
      for (int i = 0; i < W0.length; i++) {
        double m1 = (1 - B1) * G1[i];
        double v1 = (1 - B2) * G1[i] * G1[i];
        double w1 = W0[i] - lr * (m1 / (1 - B1)) / (Math.sqrt(v1 / (1 - B2)) + EPS);
        double m2 = B1 * m1 + (1 - B1) * G2[i];
        double v2 = B2 * v1 + (1 - B2) * G2[i] * G2[i];
        double expected = w1 - lr * (m2 / (1 - B1 * B1)) / (Math.sqrt(v2 / (1 - B2 * B2)) + EPS);
        assertThat((double) after[i]).as("w[%d]", i).isCloseTo(expected, within(1e-6));
      }
    }
  }

  @Test
  void sgdWithoutMomentum_movesByLrTimesGradient() {
    double lr = 0.1;
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray w = manager.create(W0.clone());
      MentorOptimizer sgd = optimizer("sgd", lr, 0, 0);
      step(sgd, w, G1, true);
      float[] after = w.toFloatArray();
      for (int i = 0; i < W0.length; i++) {
        assertThat((double) after[i]).as("w[%d]", i).isCloseTo(W0[i] - lr * G1[i], within(1e-6));
      }
    }
  }

  @Test
  void sgdWithMomentum_accumulatesVelocity() {
    double lr = 0.1;
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray w = manager.create(W0.clone());
      MentorOptimizer sgd = optimizer("sgd", lr, 0.9, 0);
      step(sgd, w, G1, true);
      step(sgd, w, G1, true);
      float[] after = w.toFloatArray();
      for (int i = 0; i < W0.length; i++) {
        // step 1: -lr g; step 2: -lr (0.9 g + g)
        assertThat((double) after[i]).as("w[%d]", i).isCloseTo(W0[i] - lr * G1[i] * 2.9, within(1e-6));
      }
    }
  }

  @Test
  void gradient_isClearedBetweenSteps_soTwoBackwardPassesMoveByTwiceLrTimesGradient() {
    double lr = 0.1;
    float[] c = {0.5f, -1.0f, 2.0f, 0.25f};
    for (String type : List.of("sgd")) {
      try (NDManager manager = NDManager.newBaseManager()) {
        NDArray w = manager.create(W0.clone());
        w.setRequiresGradient(true);
        NDArray coefficients = manager.create(c);
        MentorOptimizer sgd = optimizer(type, lr, 0, 0);
        for (int s = 0; s < 2; s++) {
          try (NDManager step = manager.newSubManager(); GradMode off = GradMode.off()) {
            try (GradMode tape = GradMode.recording()) {
              tape.backward(w.mul(coefficients).sum()); // d/dw = c
            }
            NDArray grad = w.getGradient();
            grad.attach(step);
            sgd.update("w", w, grad, true);
            sgd.finishStep();
          }
        }
        float[] after = w.toFloatArray();
        for (int i = 0; i < W0.length; i++) {
          // accumulated gradients would give 3 * lr * c
          assertThat((double) after[i]).as("w[%d]", i).isCloseTo(W0[i] - 2 * lr * c[i], within(1e-6));
        }
      }
    }
  }

  @Test
  void adam_gradientIsClearedBetweenSteps() {
    double lr = 0.01;
    float[] c = {0.5f, -1.0f, 2.0f, 0.25f};
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray w = manager.create(W0.clone());
      w.setRequiresGradient(true);
      NDArray coefficients = manager.create(c);
      MentorOptimizer adam = optimizer("adam", lr, 0, 0);
      for (int s = 0; s < 2; s++) {
        try (NDManager step = manager.newSubManager(); GradMode off = GradMode.off()) {
          try (GradMode tape = GradMode.recording()) {
            tape.backward(w.mul(coefficients).sum());
          }
          NDArray grad = w.getGradient();
          grad.attach(step);
          adam.update("w", w, grad, true);
          adam.finishStep();
        }
      }
      // With the same gradient c at both steps, Adam's bias-corrected ratio is c/|c| at each: 2 * lr * sign(c).
      // Accumulated gradients (c, then 2c) would give a different second step.
      float[] after = w.toFloatArray();
      for (int i = 0; i < W0.length; i++) {
        assertThat((double) after[i]).as("w[%d]", i).isCloseTo(W0[i] - 2 * lr * Math.signum(c[i]), within(1e-6));
      }
    }
  }

  @Test
  void sgdWeightDecay_appliesOnlyWhenDecayIsTrue() {
    double lr = 0.1;
    double wd = 0.5;
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray decayed = manager.create(W0.clone());
      NDArray plain = manager.create(W0.clone());
      MentorOptimizer sgd = new MentorOptimizer(new OptimizerSpec(OptimizerSpec.Type.SGD, lr, 0.0, wd, null), fixed(lr));
      try (GradMode off = GradMode.off()) {
        sgd.update("decayed", decayed, manager.create(G1), true);
        sgd.update("plain", plain, manager.create(G1), false);
      }
      for (int i = 0; i < W0.length; i++) {
        assertThat((double) decayed.toFloatArray()[i]).as("decayed[%d]", i).isCloseTo(W0[i] - lr * (G1[i] + wd * W0[i]), within(1e-6));
        assertThat((double) plain.toFloatArray()[i]).as("plain[%d]", i).isCloseTo(W0[i] - lr * G1[i], within(1e-6));
      }
    }
  }

  @Test
  void adamWeightDecay_isL2OnTheGradient_andOnlyForDecayedParameters() {
    double lr = 0.01;
    double wd = 0.1;
    // w = 1, g = -0.05: without decay the step goes up by lr; with L2 decay g + wd * w = +0.05, so it goes down by lr.
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray decayed = manager.create(new float[] {1f});
      NDArray plain = manager.create(new float[] {1f});
      MentorOptimizer adam = new MentorOptimizer(new OptimizerSpec(OptimizerSpec.Type.ADAM, lr, null, wd, null), fixed(lr));
      try (GradMode off = GradMode.off()) {
        adam.update("decayed", decayed, manager.create(new float[] {-0.05f}), true);
        adam.update("plain", plain, manager.create(new float[] {-0.05f}), false);
      }
      assertThat((double) decayed.toFloatArray()[0]).isCloseTo(1 - lr, within(1e-6));
      assertThat((double) plain.toFloatArray()[0]).isCloseTo(1 + lr, within(1e-6));
    }
  }

  @Test
  void adamwWeightDecay_isDecoupled_andOnlyForDecayedParameters() {
    double lr = 0.01;
    double wd = 0.1;
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray decayed = manager.create(new float[] {1f});
      NDArray plain = manager.create(new float[] {1f});
      MentorOptimizer adamw = new MentorOptimizer(new OptimizerSpec(OptimizerSpec.Type.ADAMW, lr, null, wd, null), fixed(lr));
      try (GradMode off = GradMode.off()) {
        adamw.update("decayed", decayed, manager.create(new float[] {-0.05f}), true);
        adamw.update("plain", plain, manager.create(new float[] {-0.05f}), false);
      }
      // w <- w - lr * wd * w, and the Adam step on the raw gradient still goes up by lr
      assertThat((double) decayed.toFloatArray()[0]).isCloseTo(1 - lr * wd + lr, within(1e-6));
      assertThat((double) plain.toFloatArray()[0]).isCloseTo(1 + lr, within(1e-6));
    }
  }

  @Test
  void perParameterRates_comeFromTheTracker_atTheCurrentStep() {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(new ModelSpec(ModelSpec.Type.MLP, List.of(4), null, null, null, null), 3, new Shape(1, 2, 2), manager, 1);
      // 1 warmup step: factor 1/2 at step 0, then 1; layer decay 0.5: stage1 learns at half the head's rate
      Schedule schedule = new Schedule(new ScheduleSpec(1.0, ScheduleSpec.Decay.NONE, null, null, null), 1, 3);
      StageLearningRates rates = new StageLearningRates(model, 0.2, 0.5, schedule);
      MentorOptimizer sgd = new MentorOptimizer(new OptimizerSpec(OptimizerSpec.Type.SGD, 0.2, 0.0, 0.0, 0.5), rates);
      String head = model.namedParameters().get("head/01Linear_bias").getId();
      String stage1 = model.namedParameters().get("stage1/02Linear_bias").getId();
      NDArray headBias = manager.zeros(new Shape(3));
      NDArray stageBias = manager.zeros(new Shape(4));
      try (GradMode off = GradMode.off()) {
        sgd.update(head, headBias, manager.ones(new Shape(3)), false);
        sgd.update(stage1, stageBias, manager.ones(new Shape(4)), false);
        assertThat(sgd.currentRate(head)).isCloseTo(0.1, within(1e-7));
        sgd.finishStep();
        sgd.update(head, headBias, manager.ones(new Shape(3)), false);
        sgd.update(stage1, stageBias, manager.ones(new Shape(4)), false);
        assertThat(sgd.currentRate(head)).isCloseTo(0.2, within(1e-7));
      }
      // head: 0.1 + 0.2; stage1: 0.05 + 0.1
      assertThat(headBias.toFloatArray()).containsOnly(-0.3f);
      for (float v : stageBias.toFloatArray()) {
        assertThat((double) v).isCloseTo(-0.15, within(1e-7));
      }
    }
  }

  @Test
  void stateAndStep_restoredIntoAFreshOptimizer_continueTheSameTrajectory() {
    double lr = 0.01;
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray a = manager.create(W0.clone());
      MentorOptimizer original = optimizer("adam", lr, 0, 0);
      step(original, a, G1, true);

      NDArray b = manager.create(a.toFloatArray());
      MentorOptimizer resumed = optimizer("adam", lr, 0, 0);
      Map<String, NDArray> state = original.state();
      assertThat(state.keySet()).containsExactlyInAnyOrder("m:w", "v:w");
      state.forEach((key, value) -> resumed.restoreState(key, manager.create(value.toFloatArray(), value.getShape())));
      resumed.restoreStep(original.step());

      step(original, a, G2, true);
      step(resumed, b, G2, true);
      assertThat(b.toFloatArray()).containsExactly(a.toFloatArray());
    }
  }
}
