package dev.mentor.training.engine;

import ai.djl.pytorch.jni.JniUtils;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Engine work off the calling thread. The engine's CPU kernels keep a team of worker threads per
 * calling thread (OpenMP) for as long as that thread lives. Measured on 2 cores: a team left on the
 * JVM's main thread (by validating a spec there, which runs the models once) made training on
 * another thread afterwards 2–3× slower for small steps (an MLP epoch: 20–30 k samples/s instead
 * of 60–85 k). Work done on a thread that then ends takes its team with it.
 */
public final class EngineThreads {
  private EngineThreads() {}

  /**
   * Sets how many threads the engine's CPU kernels use for operations called from this thread
   * (the team size of this thread; other threads keep theirs). Trainers sharing a machine's cores
   * each take their share, so two trainers on 2 cores run one kernel thread each instead of
   * four threads competing for two cores.
   */
  public static void setIntraOpThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    JniUtils.setNumThreads(threads);
  }

  /** The engine's kernel threads as configured for the process ({@code ai.djl.pytorch.num_threads}, else every core). */
  public static int configuredIntraOpThreads() {
    return Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors());
  }

  /** Runs {@code work} on a new thread that ends with it; returns its result or rethrows what it threw. */
  public static <T> T onFreshThread(String name, Callable<T> work) throws Exception {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Exception> failure = new AtomicReference<>();
    AtomicReference<Error> error = new AtomicReference<>();
    Thread thread = new Thread(() -> {
      try {
        result.set(work.call());
      } catch (Exception e) {
        failure.set(e);
      } catch (Error e) {
        error.set(e);
      }
    }, name);
    thread.start();
    thread.join();
    if (error.get() != null) {
      throw error.get();
    }
    if (failure.get() != null) {
      throw failure.get();
    }
    return result.get();
  }
}
