package dev.mentor.monitoring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The health of a process's background loops (Kafka consumer loops, publishers): each loop
 * {@linkplain Loop#beat() beats} whenever it makes progress or retries, says when it is
 * {@linkplain Loop#retrying retrying} after an error and when it has {@linkplain Loop#died died}.
 * A loop is unhealthy when it died, or when it has not beaten, or has kept failing, for longer
 * than its {@code stuckAfter}: then {@link #healthy()} is false (readiness answers 503) and
 * {@link #problems()} says which loop and why. Meters: {@code mentor.loops} by state
 * ({@code healthy}, {@code retrying}, {@code stuck}, {@code dead}) and
 * {@code mentor.loop.errors} by loop.
 */
public final class LoopHealth implements MeterBinder {
  /** A loop's state as it reports it; {@code stuck} is derived from time. */
  public enum State {
    HEALTHY, RETRYING, STUCK, DEAD
  }

  private final Map<String, Loop> loops = new ConcurrentHashMap<>();
  private final LongSupplier clock;
  private volatile MeterRegistry registry;

  public LoopHealth() {
    this(System::nanoTime);
  }

  /** With {@code clock} in nanoseconds, for tests. */
  public LoopHealth(LongSupplier clock) {
    this.clock = clock;
  }

  /** Registers a loop under {@code name} (a thread's name); a name registered again replaces the old loop. */
  public Loop register(String name, Duration stuckAfter) {
    Loop loop = new Loop(name, stuckAfter.toNanos());
    loops.put(name, loop);
    return loop;
  }

  /** Forgets a loop that was closed on purpose. */
  public void unregister(Loop loop) {
    loops.remove(loop.name, loop);
  }

  /** True when no loop is dead, stuck or failing for longer than its {@code stuckAfter}. */
  public boolean healthy() {
    return loops.values().stream().allMatch(loop -> loop.state() == State.HEALTHY || loop.state() == State.RETRYING);
  }

  /** One line per unhealthy loop: its name, state and last error. */
  public List<String> problems() {
    List<String> problems = new ArrayList<>();
    for (Loop loop : loops.values()) {
      State state = loop.state();
      if (state == State.STUCK || state == State.DEAD) {
        problems.add(loop.name + ": " + state.name().toLowerCase(Locale.ROOT) + (loop.lastError == null ? "" : " (" + loop.lastError + ")"));
      }
    }
    return problems;
  }

  /** The state of the loop named {@code name}, or null when none is registered. */
  public State state(String name) {
    Loop loop = loops.get(name);
    return loop == null ? null : loop.state();
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    this.registry = registry;
    for (State state : State.values()) {
      Gauge.builder("mentor.loops", this, h -> h.loops.values().stream().filter(l -> l.state() == state).count())
          .tag("state", state.name().toLowerCase(Locale.ROOT))
          .description("Background loops (Kafka consumers, publishers) by state; stuck or dead ones make the process not ready").register(registry);
    }
  }

  /** One loop's side: called from the loop's own thread. */
  public final class Loop {
    private final String name;
    private final long stuckAfterNanos;
    private volatile long lastBeat = clock.getAsLong();
    /** When the current run of failures began; 0 while the loop makes progress. */
    private volatile long failingSince;
    private volatile boolean dead;
    private volatile String lastError;

    private Loop(String name, long stuckAfterNanos) {
      this.name = name;
      this.stuckAfterNanos = stuckAfterNanos;
    }

    /** The loop is alive and made progress (or waited for work normally). */
    public void beat() {
      lastBeat = clock.getAsLong();
      failingSince = 0;
    }

    /** The loop is alive, but its last attempt failed with {@code error}; it will try again. */
    public void retrying(Throwable error) {
      long now = clock.getAsLong();
      lastBeat = now;
      if (failingSince == 0) {
        failingSince = now;
      }
      lastError = describe(error);
      count();
    }

    /** The loop stopped for good on {@code error}. */
    public void died(Throwable error) {
      lastError = describe(error);
      dead = true;
      count();
    }

    public State state() {
      if (dead) {
        return State.DEAD;
      }
      long now = clock.getAsLong();
      if (now - lastBeat > stuckAfterNanos || (failingSince != 0 && now - failingSince > stuckAfterNanos)) {
        return State.STUCK;
      }
      return failingSince != 0 ? State.RETRYING : State.HEALTHY;
    }

    /** How long the current run of failures has lasted, zero when the loop is making progress. */
    public Duration failingFor() {
      long since = failingSince;
      return since == 0 ? Duration.ZERO : Duration.ofNanos(clock.getAsLong() - since);
    }

    public String name() {
      return name;
    }

    private void count() {
      MeterRegistry r = registry;
      if (r != null) {
        Counter.builder("mentor.loop.errors").tag("loop", name).description("Errors met by background loops (each retried, or fatal)")
            .register(r).increment();
      }
    }
  }

  private static String describe(Throwable error) {
    return error.getClass().getSimpleName() + (error.getMessage() == null ? "" : ": " + error.getMessage());
  }
}
