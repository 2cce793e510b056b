package dev.mentor.actors.cli;

import dev.mentor.actors.MentorNode;
import dev.mentor.actors.ServiceSettings;
import dev.mentor.actors.kafka.EmbeddedKafka;
import dev.mentor.actors.kafka.KafkaClients;
import dev.mentor.messages.job.StatusEvent.Duplicate;
import dev.mentor.messages.job.StatusEvent.ExperimentEnded;
import dev.mentor.messages.job.StatusEvent.Kind;
import dev.mentor.messages.job.StatusEvent;
import dev.mentor.messages.job.StatusText;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.topic.Topics;
import dev.mentor.training.engine.EngineSelfCheck;
import dev.mentor.training.engine.EngineThreads;
import dev.mentor.training.files.AtomicFiles;
import dev.mentor.training.history.HistoryLocation;
import dev.mentor.training.history.HistoryRecorder;
import dev.mentor.training.history.HistoryWriter;
import dev.mentor.training.run.ExperimentFile;
import dev.mentor.training.run.ExperimentRunner;
import dev.mentor.training.run.ValidatedExperiments;
import dev.mentor.training.timing.Timeline;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
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
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/**
 * {@code mentor run}: the same path as on a cluster, in one command. Validates the spec, starts
 * an embedded single-node KRaft broker (unless {@code --bootstrap-servers} names one) and a
 * service node in this process, submits the experiment to the jobs topic, follows its status
 * events and prints them, and ends with the report. The broker and the service's job state live
 * in a temporary folder removed at exit; runs go to {@code --output}, so running the same
 * command again resumes unfinished runs and skips finished ones. {@code --in-process} runs the
 * experiment directly in this process without Kafka (the training library's own loop), with a
 * progress display. Both record the experiment in the history ({@code --history}, default
 * {@code <output>/history.db}; docs/history.md).
 */
@Command(name = "run", description = "Run an experiment end to end through Kafka and the actor runtime (embedded broker by default).")
final class RunCommand implements Callable<Integer> {
  @Parameters(paramLabel = "EXPERIMENT", description = "experiment file (YAML or JSON)")
  Path file;

  @Option(names = "--output", defaultValue = "runs", description = "root folder for run records (default: ${DEFAULT-VALUE})")
  Path output;

  @Option(names = "--bootstrap-servers", description = "use this Kafka broker instead of starting an embedded one")
  String bootstrapServers;

  @Option(names = "--in-process", description = "run directly in this process, without Kafka or actors")
  boolean inProcess;

  @Option(names = "--timeline", description = "print where the wall time went at the end: start-up phases, training steps, validation,"
      + " checkpoints, evaluation, report (milliseconds per phase)")
  boolean timeline;

  @Mixin
  ServiceCommands.Slots slots = new ServiceCommands.Slots();

  @Mixin
  DataInstallOption dataInstall = new DataInstallOption();

  @Mixin
  HistoryOption history = new HistoryOption();

  @Override
  public Integer call() throws Exception {
    // Before validation loads the data: the service in this process then finds it installed.
    try (Timeline.Span span = Timeline.process().start("data: package check")) {
      dataInstall.apply();
    }
    warmUpEngine();
    try {
      return inProcess ? runInProcess() : runThroughService();
    } finally {
      if (timeline) {
        System.err.print("timeline (ms after the JVM started):\n" + Timeline.process().report());
      }
    }
  }

  private int runThroughService() throws Exception {
    ServiceSettings settings = slots.settings(null).withHistory(history.location(output, Map.of()));
    if (!settings.roles().contains(ServiceSettings.EXPERIMENTS)) {
      throw new ParameterException(new CommandLine(this), "--roles of mentor run must include experiments");
    }
    Path temp = Files.createTempDirectory("mentor-run-");
    // The embedded broker starts first, while the spec is read and validated (each mostly loads
    // classes and data, on a core of its own), and then while the service builds what needs no
    // broker: its ports are chosen first. A spec that fails stops it again before anything is submitted.
    EmbeddedKafka.Config brokerConfig = bootstrapServers == null ? EmbeddedKafka.writeConfig(temp.resolve("broker")) : null;
    CompletableFuture<EmbeddedKafka> broker = bootstrapServers == null ? CompletableFuture.supplyAsync(() -> {
      try (Timeline.Span span = Timeline.process().start("broker: start")) {
        return EmbeddedKafka.start(brokerConfig);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, runnable -> new Thread(runnable, "mentor-broker-start").start()) : CompletableFuture.completedFuture(null);
    EmbeddedKafka kafka = null;
    ExperimentRunner validated = null;
    try {
      String text = Files.readString(file);
      ExperimentFile experiment = new ExperimentFile(file, SpecReader.parse(text));
      ExperimentSpec spec = experiment.spec();
      Path baseDir = experiment.baseDir();
      validated = experiment.runner(output);
      // Everything that can be checked before training is checked before anything is submitted.
      // On a thread of its own: engine work left on the main thread slows the training threads (see EngineThreads).
      ExperimentRunner checked = validated;
      EngineThreads.onFreshThread("mentor-validate", () -> {
        checked.validate();
        return null;
      });
      // The service below prepares the experiment from this runner: the data is read and checked once.
      ValidatedExperiments.offer(validated);
      Map<String, Object> client = new HashMap<>();
      client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers == null ? brokerConfig.bootstrapServers() : bootstrapServers);
      Timeline.Span starting = Timeline.process().start("service: start");
      AtomicReference<EmbeddedKafka> started = new AtomicReference<>();
      MentorNode node;
      try {
        node = MentorNode.start(client, temp.resolve("service"), baseDir, output, (short) 1, settings, () -> started.set(awaitBroker(broker)));
      } finally {
        kafka = started.get();
      }
      starting.close();
      try {
        if (node.metricsPort() >= 0) {
          System.out.println("metrics: http://" + settings.metrics().bind() + ":" + node.metricsPort() + "/metrics");
        }
        int status = submitAndFollow(client, spec.name(), text);
        // A Prometheus scraping this run gets the final values (last epoch, ensemble uncertainty) before the process exits.
        try (Timeline.Span span = Timeline.process().start("service: final scrape")) {
          node.awaitFinalScrape(FINAL_SCRAPE_WAIT);
        }
        return status;
      } finally {
        try (Timeline.Span span = Timeline.process().start("service: stop")) {
          node.close();
        }
      }
    } finally {
      if (validated != null) {
        ValidatedExperiments.withdraw(validated);
      }
      if (kafka == null && bootstrapServers == null) {
        // Validation failed while the broker started: it stops once started (or had failed to start).
        kafka = broker.handle((started, failure) -> started).join();
      }
      if (kafka != null) {
        try (Timeline.Span span = Timeline.process().start("broker: stop")) {
          kafka.close();
        }
      }
      AtomicFiles.deleteTree(temp);
    }
  }

  private static EmbeddedKafka awaitBroker(CompletableFuture<EmbeddedKafka> broker) throws IOException {
    try {
      return broker.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof UncheckedIOException io) {
        throw io.getCause();
      }
      throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
    }
  }

  /**
   * Loads the engine and runs its self-check on a thread of its own while the spec is read and
   * validated (about a second each, on different cores); whoever builds the first model waits for
   * it, and a failed check fails there as before.
   */
  private static void warmUpEngine() {
    Thread warmUp = new Thread(() -> {
      try {
        EngineSelfCheck.ensurePassed();
      } catch (RuntimeException e) {
        // Reported again, with its message, when the first model is built.
      }
    }, "mentor-engine-warm-up");
    warmUp.setDaemon(true);
    warmUp.start();
  }

  /** The experiment run by the training library in this process, with a progress display; returns the exit code. */
  private int runInProcess() throws IOException {
    ExperimentRunner runner = ExperimentFile.read(file).runner(output);
    runner.validate();
    runner.notes().forEach(note -> System.err.println("note: " + note));
    HistoryLocation location = history.location(output, Map.of());
    if (location == null) {
      runner.run(new ConsoleProgress(System.err, System.out));
    } else {
      try (HistoryWriter writer = HistoryWriter.start(location, System.err)) {
        HistoryRecorder.run(runner, new ConsoleProgress(System.err, System.out), writer);
      }
    }
    System.out.println("report: " + runner.paths().experimentDir().resolve("report.md"));
    return 0;
  }

  /** The longest wait for a last scrape: Prometheus' default scrape interval. */
  static final Duration FINAL_SCRAPE_WAIT = Duration.ofMinutes(1);

  private int submitAndFollow(Map<String, Object> client, String id, String text) throws Exception {
    KafkaClients clients = new KafkaClients(client);
    try (Consumer<String, String> consumer = clients.with(Map.of(
        ConsumerConfig.GROUP_ID_CONFIG, "mentor-run-" + UUID.randomUUID(),
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100)).consumer(new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(Topics.STATUS).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      // Follow from now on: earlier events of the same id on a shared broker are not this run's.
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position);
      try (Timeline.Span span = Timeline.process().start("submit: job sent");
          Producer<String, String> producer = clients.with(Map.of(ProducerConfig.ACKS_CONFIG, "all")).producer(new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>(Topics.JOBS, id, text)).get();
      }
      long sent = System.nanoTime();
      boolean first = true;
      while (true) {
        for (var record : consumer.poll(Duration.ofMillis(200))) {
          if (!id.equals(record.key())) {
            continue;
          }
          if (first) {
            Timeline.process().record("submit: until the first status event", System.nanoTime() - sent);
            first = false;
          }
          StatusEvent event = SpecReader.json().readValue(record.value(), StatusEvent.class);
          System.out.println(StatusText.line(event));
          if (event instanceof ExperimentEnded ended) {
            return ended.kind() == Kind.FINISHED ? 0 : 1;
          }
          if (event instanceof Duplicate) {
            return 1;
          }
        }
      }
    }
  }
}
