package dev.mentor.training.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Mentor's own gradient scope on the engine's per-thread grad mode. DJL's collector allows one
 * open collector per JVM (a static flag); libtorch's grad mode is per thread and backward passes
 * over separate graphs are independent, so this scope lets trainers on different threads step
 * at the same time. It also switches grad mode off for inference passes, which DJL does only on
 * the thread that started the engine.
 */
public final class GradMode implements AutoCloseable {
  private final boolean previous;

  private GradMode(boolean enabled) {
    previous = JniUtils.isGradMode();
    JniUtils.setGradMode(enabled);
  }

  /** Records operations for a backward pass until closed. */
  public static GradMode recording() {
    return new GradMode(true);
  }

  /** Builds no backward graph until closed: inference, frozen prefixes, statistics passes. */
  public static GradMode off() {
    return new GradMode(false);
  }

  /** Back-propagates a scalar loss into the gradients of every parameter that requires one. */
  public void backward(NDArray loss) {
    try (NDArray seed = loss.onesLike()) {
      JniUtils.backward((PtNDArray) loss, (PtNDArray) seed, false, false);
    }
  }

  @Override
  public void close() {
    JniUtils.setGradMode(previous);
  }
}
