package dev.mentor.monitoring;

import dev.mentor.messages.tensor.TensorFrame;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * The tensor bus of one process: frames and their encoded bytes produced to and consumed from the
 * broker (tags {@code direction} produced|consumed, {@code kind} of {@link TensorFrame#KINDS}),
 * how many batches a streamed teacher runs ahead of its student's acknowledgements (sampled as
 * each teacher batch is sent), and per-sample teacher-cache lookups by {@code result} hit|miss.
 * The Kafka clients record into {@link #process()}: the bus is a property of the process, shared
 * by every node it runs; each registry it is bound to reads the same totals.
 */
public final class TensorBusMeters implements MeterBinder {
  public static final List<String> DIRECTIONS = List.of("produced", "consumed");

  private static final TensorBusMeters PROCESS = new TensorBusMeters();

  private final Map<String, LongAdder> frames = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> bytes = new ConcurrentHashMap<>();
  private final LongAdder cacheHits = new LongAdder();
  private final LongAdder cacheMisses = new LongAdder();
  private final List<DistributionSummary> lag = new CopyOnWriteArrayList<>();

  public TensorBusMeters() {
    for (String direction : DIRECTIONS) {
      for (String kind : TensorFrame.KINDS) {
        frames.put(key(direction, kind), new LongAdder());
        bytes.put(key(direction, kind), new LongAdder());
      }
    }
  }

  /** The process's tensor bus, which the Kafka producers and consumers of tensor frames record into. */
  public static TensorBusMeters process() {
    return PROCESS;
  }

  private static String key(String direction, String kind) {
    return direction + "/" + kind;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    for (String direction : DIRECTIONS) {
      for (String kind : TensorFrame.KINDS) {
        FunctionCounter.builder("mentor.tensor.frames", frames.get(key(direction, kind)), LongAdder::doubleValue)
            .tags("direction", direction, "kind", kind).description("Tensor frames produced to or consumed from the broker")
            .register(registry);
        FunctionCounter.builder("mentor.tensor.bytes", bytes.get(key(direction, kind)), LongAdder::doubleValue)
            .tags("direction", direction, "kind", kind).baseUnit("bytes")
            .description("Encoded size of the tensor frames produced or consumed (before the producer's compression)").register(registry);
      }
    }
    FunctionCounter.builder("mentor.teacher.cache.lookups", cacheHits, LongAdder::doubleValue).tag("result", "hit")
        .description("Per-sample lookups of a distillation student in its teacher's cached outputs, by result").register(registry);
    FunctionCounter.builder("mentor.teacher.cache.lookups", cacheMisses, LongAdder::doubleValue).tag("result", "miss")
        .description("Per-sample lookups of a distillation student in its teacher's cached outputs, by result").register(registry);
    lag.add(DistributionSummary.builder("mentor.tensor.lag").baseUnit("batches")
        .description("Batches a streamed teacher is ahead of its student: sent and not yet acknowledged, counted as each teacher batch is sent")
        .register(registry));
  }

  public void produced(String kind, int encodedBytes) {
    count("produced", kind, encodedBytes);
  }

  public void consumed(String kind, int encodedBytes) {
    count("consumed", kind, encodedBytes);
  }

  private void count(String direction, String kind, int encodedBytes) {
    LongAdder f = frames.get(key(direction, kind));
    if (f == null) {
      throw new IllegalArgumentException("kind must be one of " + TensorFrame.KINDS + ", got " + kind);
    }
    f.increment();
    bytes.get(key(direction, kind)).add(encodedBytes);
  }

  /** A teacher opened a batch while {@code batches} it sent were not yet acknowledged by its student. */
  public void lag(long batches) {
    lag.forEach(s -> s.record(batches));
  }

  /** {@code lookups} per-sample lookups in a teacher cache, {@code hits} of them found. */
  public void cacheLookups(long lookups, long hits) {
    if (hits < 0 || hits > lookups) {
      throw new IllegalArgumentException("hits must be in [0, lookups=" + lookups + "], got " + hits);
    }
    cacheHits.add(hits);
    cacheMisses.add(lookups - hits);
  }
}
