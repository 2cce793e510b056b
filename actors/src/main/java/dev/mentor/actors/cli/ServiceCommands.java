package dev.mentor.actors.cli;

import dev.mentor.actors.MentorNode;
import dev.mentor.actors.ServiceSettings;
import dev.mentor.actors.kafka.KafkaClients;
import dev.mentor.messages.job.ControlRequest.Action;
import dev.mentor.messages.job.ControlRequest;
import dev.mentor.messages.job.StatusEvent.Kind;
import dev.mentor.messages.job.StatusEvent;
import dev.mentor.messages.job.StatusText;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecException;
import dev.mentor.messages.spec.SpecLimits;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.topic.Topics;
import dev.mentor.training.run.ExperimentRunner;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The commands that talk to a Mentor service through Kafka. */
final class ServiceCommands {
  private ServiceCommands() {}

  /** Broker address and client settings shared by every service command. */
  static class Connection {
    @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers, host:port[,host:port]")
    String bootstrapServers;

    @Option(names = "--client-config", description = "properties file of Kafka client settings (security.protocol, sasl.*, ssl.*, ...);"
        + " serve also reads the history database from it (mentor.history.url, .user, .password)")
    Path clientConfig;

    /** The client config's keys that say where the history is ({@code mentor.history.url}, {@code .user}, {@code .password}). */
    static final String HISTORY_KEYS = "mentor.history.";

    Map<String, String> historyConfig() throws IOException {
      Map<String, String> config = new HashMap<>();
      clientConfigFile().forEach((k, v) -> {
        if (k.toString().startsWith(HISTORY_KEYS)) {
          config.put(k.toString(), v.toString());
        }
      });
      return config;
    }

    private Properties clientConfigFile() throws IOException {
      Properties file = new Properties();
      if (clientConfig != null) {
        try (InputStream in = Files.newInputStream(clientConfig)) {
          file.load(in);
        }
      }
      return file;
    }

    Map<String, Object> clientProperties() throws IOException {
      Map<String, Object> props = new HashMap<>();
      // The history's keys are Mentor's, not the Kafka clients'.
      clientConfigFile().forEach((k, v) -> {
        if (!k.toString().startsWith(HISTORY_KEYS)) {
          props.put(k.toString(), v);
        }
      });
      props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      return props;
    }

    /**
     * Every status event on the status topic, oldest first, as (experiment id, event) pairs; reads
     * up to the end offsets it finds when it starts.
     */
    List<Map.Entry<String, StatusEvent>> statusEvents() throws IOException {
      KafkaClients clients = new KafkaClients(clientProperties()).with(Map.of(
          ConsumerConfig.GROUP_ID_CONFIG, "mentor-status-" + UUID.randomUUID(),
          ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
          ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
      List<Map.Entry<String, StatusEvent>> events = new ArrayList<>();
      try (Consumer<String, String> consumer = clients.consumer(new StringDeserializer(), new StringDeserializer())) {
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.STATUS, Duration.ofSeconds(30)).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
        while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
          for (var record : consumer.poll(Duration.ofMillis(200))) {
            try {
              events.add(Map.entry(String.valueOf(record.key()), SpecReader.json().readValue(record.value(), StatusEvent.class)));
            } catch (IOException e) {
              // not one of Mentor's events (someone else wrote to the topic) or a newer version's: skip it
            }
          }
        }
      }
      return events;
    }

    /** Sends one record and waits until the broker has it (acks=all). */
    void send(String topic, String key, String value) throws Exception {
      // A command line answers within half a minute, broker or not.
      KafkaClients clients = new KafkaClients(clientProperties()).withDefaults(Map.of(
          ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000,
          ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000,
          ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000)).with(Map.of(ProducerConfig.ACKS_CONFIG, "all"));
      try (Producer<String, String> producer = clients.producer(new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>(topic, key, value)).get();
      }
    }
  }

  /** Device slots of a service process. */
  static class Slots {
    @Option(names = "--cpu-slots", description = "trainers at a time on a machine without GPU, sharing the engine's threads "
        + "(default: one per 4 threads, at least 1)")
    Integer cpuSlots;

    @Option(names = "--slots-per-gpu", defaultValue = "" + ServiceSettings.DEFAULT_SLOTS_PER_GPU,
        description = "trainers at a time on each GPU the engine sees (default: ${DEFAULT-VALUE})")
    int slotsPerGpu;

    @Option(names = "--roles", split = ",", defaultValue = "experiments,teachers",
        description = "what this process does: experiments (run jobs), teachers (serve teacher streams to students of any process); default: ${DEFAULT-VALUE}")
    Set<String> roles;

    @Option(names = "--metrics-port", description = "serve /metrics (Prometheus) and /health/live, /health/ready on this port "
        + "(serve: default 9464; run: none unless given; 0: any free port)")
    Integer metricsPort;

    @Option(names = "--metrics-bind", defaultValue = "127.0.0.1", description = "address of the metrics endpoint (default: ${DEFAULT-VALUE}; "
        + "0.0.0.0 in a container)")
    String metricsBind;

    @Option(names = "--stream-teachers", description = "students whose teacher runs live on logits only (augmented inputs) take it as a "
        + "stream over Kafka from a process serving teachers, instead of running it in their own loop")
    boolean streamTeachers;

    /** The settings, with the metrics endpoint on {@code --metrics-port}, else on {@code defaultPort} (null: none). */
    ServiceSettings settings(Integer defaultPort) {
      ServiceSettings settings = settings();
      Integer port = metricsPort != null ? metricsPort : defaultPort;
      return port == null ? settings : settings.withMetrics(metricsBind, port);
    }

    ServiceSettings settings() {
      int cpuSlots = this.cpuSlots == null ? ServiceSettings.defaultCpuSlots() : this.cpuSlots;
      if (cpuSlots < 1 || slotsPerGpu < 1) {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--cpu-slots and --slots-per-gpu must be >= 1, got "
            + cpuSlots + " and " + slotsPerGpu);
      }
      if (roles.isEmpty() || !ServiceSettings.ROLES.containsAll(roles)) {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--roles must be one or both of experiments, teachers; got "
            + roles);
      }
      return ServiceSettings.detect(slotsPerGpu, cpuSlots).withRoles(roles).withStreamTeachers(streamTeachers);
    }
  }

  /** The metrics port of {@code mentor serve} unless told otherwise (the Prometheus exporters' customary range). */
  static final int DEFAULT_METRICS_PORT = 9464;

  @Command(name = "serve", description = "Run the long-lived service: take experiments from Kafka and run them.")
  static final class Serve extends Connection implements Callable<Integer> {
    @Option(names = "--state", defaultValue = "mentor-state", description = "folder for accepted jobs (default: ${DEFAULT-VALUE})")
    Path state;

    @Option(names = "--output", defaultValue = "runs", description = "root folder for run records (default: ${DEFAULT-VALUE})")
    Path output;

    @Option(names = "--replication-factor", defaultValue = "1", description = "replication factor of the topics Mentor creates")
    short replicationFactor;

    @Option(names = "--stop-timeout", defaultValue = "120", paramLabel = "SECONDS",
        description = "on SIGTERM, how long runs may take to reach the end of their epoch before the service stops anyway (default: ${DEFAULT-VALUE})")
    long stopTimeoutSeconds;

    @picocli.CommandLine.Mixin
    Slots slots = new Slots();

    @picocli.CommandLine.Mixin
    HistoryOption history = new HistoryOption();

    @Override
    public Integer call() throws Exception {
      if (stopTimeoutSeconds < 0) {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--stop-timeout must be >= 0 seconds, got " + stopTimeoutSeconds);
      }
      CountDownLatch stopping = new CountDownLatch(1);
      CountDownLatch closed = new CountDownLatch(1);
      Duration stopTimeout = Duration.ofSeconds(stopTimeoutSeconds);
      ServiceSettings settings = slots.settings(DEFAULT_METRICS_PORT).withHistory(history.location(output, historyConfig()));
      // Jobs come without their spec file: relative paths in them are refused, not resolved against --state.
      MentorNode node = MentorNode.start(clientProperties(), state, null, output, replicationFactor, settings);
      // SIGTERM or Ctrl-C: the JVM waits for this hook, and the hook for the node to close (runs stop at the end of their epoch).
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        System.out.println("mentor: stopping; runs stop at the end of their epoch (at most " + stopTimeoutSeconds + " s)");
        stopping.countDown();
        try {
          closed.await(stopTimeoutSeconds + 30L, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "mentor-shutdown"));
      try {
        System.out.println("mentor: serving on " + bootstrapServers + " (jobs topic " + Topics.JOBS + "), device slots " + settings.slots()
            + (node.metricsPort() < 0 ? "" : ", metrics on http://" + settings.metrics().bind() + ":" + node.metricsPort() + "/metrics")
            + (settings.history() == null ? "" : ", history in " + settings.history()));
        stopping.await();
        node.close(stopTimeout);
        System.out.println("mentor: stopped");
      } finally {
        closed.countDown();
      }
      return 0;
    }
  }

  @Command(name = "submit", description = "Submit an experiment file to a Mentor service.")
  static final class Submit extends Connection implements Callable<Integer> {
    @Parameters(paramLabel = "EXPERIMENT", description = "experiment file (YAML or JSON)")
    Path file;

    @Override
    public Integer call() throws Exception {
      if (!Files.isRegularFile(file)) {
        throw new IOException("no experiment file " + file);
      }
      SpecLimits.checkSpecSize(Files.size(file));
      String text = Files.readString(file);
      ExperimentSpec spec = SpecReader.parse(text);
      // The service reads the spec without its file, so it has no folder to resolve a relative path against.
      SpecException.throwIfAny(ExperimentRunner.relativePaths(spec));
      send(Topics.JOBS, spec.name(), text);
      System.out.println("submitted " + spec.name() + " (" + spec.arms().size() * spec.seeds().size() + " runs); follow it with: mentor status "
          + spec.name() + " --bootstrap-servers " + bootstrapServers);
      return 0;
    }
  }

  @Command(name = "status", description = "Print the status events of an experiment (or the last event of every experiment).")
  static final class Status extends Connection implements Callable<Integer> {
    @Parameters(paramLabel = "EXPERIMENT", arity = "0..1", description = "experiment id; omit for a summary of all")
    String experiment;

    @Override
    public Integer call() throws Exception {
      Map<String, String> last = new LinkedHashMap<>();
      boolean seen = false;
      for (Map.Entry<String, StatusEvent> event : statusEvents()) {
        String line = StatusText.line(event.getValue());
        if (experiment == null) {
          last.put(event.getKey(), line);
        } else if (experiment.equals(event.getKey())) {
          System.out.println(line);
          seen = true;
        }
      }
      if (experiment != null && !seen) {
        throw new IllegalArgumentException("no experiment '" + experiment + "' on " + Topics.STATUS
            + " (not submitted, rejected, or not yet accepted: see mentor status without an id)");
      }
      last.forEach((id, line) -> System.out.println(id + ": " + line));
      return 0;
    }
  }

  /** Sends one control request for an experiment. */
  abstract static class Control extends Connection implements Callable<Integer> {
    @Parameters(paramLabel = "EXPERIMENT", description = "experiment id")
    String experiment;

    abstract Action action();

    @Override
    public Integer call() throws Exception {
      List<Kind> kinds = statusEvents().stream().filter(e -> experiment.equals(e.getKey())).map(e -> e.getValue().kind()).toList();
      if (kinds.isEmpty()) {
        throw new IllegalArgumentException("no experiment '" + experiment + "' is known to the service (no event on " + Topics.STATUS
            + "); nothing to " + action());
      }
      Kind ended = kinds.stream().filter(Kind::ends).findFirst().orElse(null);
      if (ended != null) {
        throw new IllegalArgumentException("experiment '" + experiment + "' has already ended (" + ended + "); nothing to " + action());
      }
      send(Topics.CONTROL, experiment, SpecReader.toJson(ControlRequest.of(experiment, action())));
      System.out.println(action() + " requested for " + experiment);
      return 0;
    }
  }

  @Command(name = "cancel", description = "Stop an experiment: every run at the end of its epoch (checkpoints kept), no new run.")
  static final class Cancel extends Control {
    @Override
    Action action() {
      return Action.CANCEL;
    }
  }

  @Command(name = "pause", description = "Hold an experiment's runs at the end of their epoch, and start no new run, until resume.")
  static final class Pause extends Control {
    @Override
    Action action() {
      return Action.PAUSE;
    }
  }

  @Command(name = "resume", description = "Let a paused experiment go on.")
  static final class Resume extends Control {
    @Override
    Action action() {
      return Action.RESUME;
    }
  }
}
