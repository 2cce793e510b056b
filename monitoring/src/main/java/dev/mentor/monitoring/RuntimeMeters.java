package dev.mentor.monitoring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The service's own state: experiments by state ({@code queued}, {@code running}, and the ended
 * ones counted since start), device slots used and free, work waiting for a slot, run restarts
 * and rejected jobs. Fed by the runtime as things happen; every meter has a description.
 */
public final class RuntimeMeters implements MeterBinder {
  public static final List<String> ACTIVE_STATES = List.of("queued", "running");
  public static final List<String> ENDED_STATES = List.of("finished", "failed", "cancelled");

  private final Map<String, String> active = new ConcurrentHashMap<>();
  private final AtomicInteger slotsTotal = new AtomicInteger();
  private final AtomicInteger slotsUsed = new AtomicInteger();
  private final AtomicInteger queued = new AtomicInteger();
  private volatile MeterRegistry registry;

  @Override
  public void bindTo(MeterRegistry registry) {
    this.registry = registry;
    for (String state : ACTIVE_STATES) {
      Gauge.builder("mentor.experiments.active", active, a -> a.values().stream().filter(state::equals).count()).tag("state", state)
          .description("Experiments accepted and not ended, by state").register(registry);
    }
    for (String state : ENDED_STATES) {
      endedCounter(state);
    }
    Gauge.builder("mentor.devices.slots", slotsUsed, AtomicInteger::get).tag("state", "used")
        .description("Device slots holding a run, and free ones").register(registry);
    Gauge.builder("mentor.devices.slots", this, m -> m.slotsTotal.get() - m.slotsUsed.get()).tag("state", "free")
        .description("Device slots holding a run, and free ones").register(registry);
    Gauge.builder("mentor.queue.length", queued, AtomicInteger::get).description("Runs waiting for a device slot").register(registry);
    restartsCounter();
    rejectedCounter();
  }

  private Counter endedCounter(String state) {
    return Counter.builder("mentor.experiments.ended").tag("state", state).description("Experiments ended since the service started, by how")
        .register(registry);
  }

  private Counter restartsCounter() {
    return Counter.builder("mentor.runs.restarts").description("Runs started again from their checkpoint after a failure").register(registry);
  }

  private Counter rejectedCounter() {
    return Counter.builder("mentor.jobs.rejected").description("Jobs rejected as malformed or invalid").register(registry);
  }

  public void queued(String experiment) {
    active.put(experiment, "queued");
  }

  public void started(String experiment) {
    active.put(experiment, "running");
  }

  /** {@code state}: one of {@link #ENDED_STATES}. */
  public void ended(String experiment, String state) {
    if (active.remove(experiment) != null && registry != null) {
      endedCounter(state).increment();
    }
  }

  public void restart() {
    if (registry != null) {
      restartsCounter().increment();
    }
  }

  public void rejectedJob() {
    if (registry != null) {
      rejectedCounter().increment();
    }
  }

  /** A record on {@code topic} (control requests, teacher-stream requests) that was unreadable or invalid, and skipped. */
  public void invalidRecord(String topic) {
    MeterRegistry r = registry;
    if (r != null) {
      Counter.builder("mentor.records.invalid").tag("topic", topic).description("Requests skipped as unreadable or invalid, by topic")
          .register(r).increment();
    }
  }

  /** The device slots now: in all, holding a run, and runs waiting for one. */
  public void devices(int total, int used, int waiting) {
    slotsTotal.set(total);
    slotsUsed.set(used);
    queued.set(waiting);
  }
}
