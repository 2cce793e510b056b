package dev.mentor.training.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * A scalar operand kept by the backward graph survives garbage collection between the forward
 * and the backward pass: the gradient is the right one after the collector ran and freed memory was
 * reused (for DJL's {@code div(Number)} this harness gives a wrong gradient, see {@link Scalars}).
 */
class ScalarsTest {
  /** d/dx of sum(op(x)) after a forward pass, a garbage collection and reuse of freed native memory. */
  static float[] gradientAfterCollection(BiFunction<NDArray, Double, NDArray> op, double scalar) {
    try (NDManager manager = NDManager.newBaseManager(); NDManager step = manager.newSubManager()) {
      NDArray x = manager.create(new float[] {1f, 2f, 3f, 4f});
      x.setRequiresGradient(true);
      NDArray loss;
      try (GradMode tape = GradMode.recording()) {
        loss = op.apply(x, scalar).sum();
        for (int round = 0; round < 5; round++) {
          System.gc();
          List<ByteBuffer> reuse = new ArrayList<>();
          for (int i = 0; i < 20_000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(Float.BYTES).order(ByteOrder.nativeOrder());
            b.putFloat(0, Float.NaN);
            reuse.add(b);
          }
        }
        tape.backward(loss);
      }
      return x.getGradient().toFloatArray();
    }
  }

  @Test
  void aScalarOperandIsStillThereWhenTheBackwardPassNeedsIt() {
    float[] quotient = gradientAfterCollection((x, s) -> x.div(Scalars.of(x, s)), 4.0);
    // 1/4: one IEEE division by a power of two, exact on every processor.
    assertThat(quotient).containsExactly(0.25f, 0.25f, 0.25f, 0.25f);
    float[] power = gradientAfterCollection((x, s) -> x.pow(Scalars.of(x, s)), 2.0);
    // 2·x^1 goes through the engine's pow kernel (vectorised or libm, by processor), exact only to an ulp or so.
    assertThat(power).containsExactly(new float[] {2f, 4f, 6f, 8f}, offset(1e-5f));
  }

  @Test
  void aScalarHasTheArraysTypeAndNoDimensions() {
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray x = manager.create(new float[] {1f});
      NDArray s = Scalars.of(x, 0.5);
      assertThat(s.getShape().dimension()).isZero();
      assertThat(s.getDataType()).isEqualTo(x.getDataType());
      assertThat(s.getFloat()).isEqualTo(0.5f);
    }
  }
}
