package dev.mentor.actors;

import dev.mentor.training.engine.EngineThreads;

/**
 * The engine's kernel threads of the process, shared out over its CPU slots: a trainer on a CPU
 * slot runs its kernels on {@code threads / slots} threads (at least one), set on its training
 * thread when it starts (per thread: one trainer's setting does not change another's). Static on
 * purpose: the number of kernel threads changes the order of floating-point reductions, so a
 * share that followed how many trainers happen to run would make a seed's result depend on
 * scheduling. A run's result is reproducible for a given number of CPU slots.
 */
public final class CpuShare {
  private final int share;

  public CpuShare(int threads, int slots) {
    if (threads < 1 || slots < 1) {
      throw new IllegalArgumentException("threads and slots must be >= 1, got " + threads + " and " + slots);
    }
    this.share = Math.max(1, threads / slots);
  }

  /** The kernel threads of one trainer on a CPU slot. */
  public int share() {
    return share;
  }

  /** Sets the calling training thread's kernel threads to its share. */
  public void enter() {
    EngineThreads.setIntraOpThreads(share);
  }
}
