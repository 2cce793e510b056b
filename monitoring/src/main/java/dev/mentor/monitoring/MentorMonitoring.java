package dev.mentor.monitoring;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The meters of one Mentor process and their endpoint: one Prometheus registry holding Mentor's
 * meters (training, runtime, loop health, tensor bus, process memory, GPUs), the JVM's, and those
 * of the components the process passes in; a task that every {@link #SAMPLE_INTERVAL} samples GPUs
 * and what the process's runtime reports through {@link Probes} (broker reachability, device
 * slots) and purges the series of experiments that ended longer than the retention ago; and the
 * {@link MetricsServer} with {@code /metrics} and the health checks. The runtime (actors, Kafka)
 * reaches it only through {@link Probes} and the meters it updates, so this module knows neither.
 */
public final class MentorMonitoring implements AutoCloseable {
  /** Micrometer's CPU count ({@link ProcessorMetrics}): promtool's lint rejects it, named like a summary's {@code _count}. */
  public static final String SYSTEM_CPU_COUNT = "system.cpu.count";

  /** Micrometer's process CPU time ({@link ProcessorMetrics}): promtool's lint rejects its unit, {@code ns}. */
  public static final String PROCESS_CPU_TIME = "process.cpu.time";

  /** The meters left out of the registry, so that promtool's lint accepts the endpoint's output. */
  private static final Set<String> LEFT_OUT = Set.of(SYSTEM_CPU_COUNT, PROCESS_CPU_TIME);

  /** How often the sampler runs. */
  public static final Duration SAMPLE_INTERVAL = Duration.ofSeconds(2);

  /**
   * What only the process's runtime can tell, asked on the sampler's thread at each sample; each
   * may block for about a {@link #SAMPLE_INTERVAL}.
   */
  public interface Probes {
    /** Whether the broker answers now. */
    boolean brokerReachable();

    /** The device slots now, or empty where the runtime cannot tell (it is stopping): the last values stay. */
    Optional<DeviceSlots> deviceSlots();

    /** Whether the runtime still runs; once it has stopped the process is not ready. */
    boolean running();
  }

  /** Device slots: in all, holding a run, and runs waiting for one. */
  public record DeviceSlots(int total, int used, int waiting) {}

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final TrainingMeters training;
  private final RuntimeMeters runtime = new RuntimeMeters();
  private final GpuMeters gpus = new GpuMeters();
  private final LoopHealth loops;
  private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "mentor-metrics-sampler");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean brokerReachable;
  private volatile boolean draining;
  private MetricsServer server;

  /**
   * Binds every meter: the process's {@code loops}, the {@code components}' own binders (a status
   * sink, for example), Mentor's and the JVM's; an ended experiment's series stay {@code retention}.
   */
  public MentorMonitoring(Duration retention, LoopHealth loops, MeterBinder... components) {
    this.loops = loops;
    this.training = new TrainingMeters(retention);
    registry.config().meterFilter(MeterFilter.deny(id -> LEFT_OUT.contains(id.getName())));
    loops.bindTo(registry);
    for (MeterBinder component : components) {
      component.bindTo(registry);
    }
    training.bindTo(registry);
    runtime.bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new ProcessMemoryMeters().bindTo(registry);
    TensorBusMeters.process().bindTo(registry);
    gpus.bindTo(registry);
  }

  /** The runs' learning curves and events, fed from the status events. */
  public TrainingMeters training() {
    return training;
  }

  /** Experiments by state, device slots, restarts, refused jobs and records. */
  public RuntimeMeters runtime() {
    return runtime;
  }

  /**
   * Starts the sampler and serves the endpoint on {@code bind}:{@code port} (0: any free port).
   * The process is ready while the broker answers, it is not draining, its loops are healthy and
   * its runtime runs.
   */
  public void start(String bind, int port, Probes probes) throws IOException {
    sampler.scheduleWithFixedDelay(() -> sample(probes), 0, SAMPLE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    server = MetricsServer.start(bind, port, registry,
        () -> brokerReachable && !draining && loops.healthy() && probes.running());
  }

  private void sample(Probes probes) {
    try {
      brokerReachable = probes.brokerReachable();
    } catch (RuntimeException e) {
      brokerReachable = false;
    }
    try {
      probes.deviceSlots().ifPresent(slots -> runtime.devices(slots.total(), slots.used(), slots.waiting()));
    } catch (RuntimeException e) {
      // the runtime is stopping: keep the last values
    }
    gpus.sample();
    training.purge(Instant.now());
  }

  /** The process stops taking work: from now on it is not ready. */
  public void draining() {
    draining = true;
  }

  /** The port the endpoint listens on. */
  public int port() {
    return server.port();
  }

  /**
   * When something scrapes the endpoint, waits (at most {@code timeout}) for one more scrape, so
   * that the scraper holds the final values before a short-lived process exits; returns at once
   * when nothing ever scraped.
   */
  public void awaitFinalScrape(Duration timeout) throws InterruptedException {
    if (server.scrapes() > 0) {
      server.awaitNextScrape(timeout);
    }
  }

  /** Stops the sampler and the endpoint. */
  @Override
  public void close() {
    sampler.shutdownNow();
    if (server != null) {
      server.close();
    }
  }
}
