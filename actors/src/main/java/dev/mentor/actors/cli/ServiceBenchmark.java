package dev.mentor.actors.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mentor.actors.MentorNode;
import dev.mentor.actors.ServiceSettings;
import dev.mentor.actors.kafka.EmbeddedKafka;
import dev.mentor.actors.kafka.MentorTopics;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.cli.MentorCli;
import dev.mentor.training.files.AtomicFiles;
import dev.mentor.training.run.ExperimentRunner;
import dev.mentor.training.run.RunListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The cost of the orchestrator, measured: one experiment run (a) in-process with the training
 * library alone, runs one after another, and through the service as {@code mentor run} does it —
 * embedded broker, actors, jobs and status over Kafka — (b) with one CPU slot (runs one after
 * another, as (a)) and (c) with two (independent runs at the same time). Each mode starts from
 * an empty output folder; modes are interleaved over the repetitions. Prints wall time and
 * training samples per second of wall time (every run's training samples × epochs).
 */
@Command(name = "bench-service", description = "The same experiment in-process vs through broker and actors (1 and 2 CPU slots); prints a table.")
final class ServiceBenchmark implements Callable<Integer> {
  @Parameters(paramLabel = "EXPERIMENT")
  Path file;

  @Option(names = "--repeats", defaultValue = "1")
  int repeats;

  @Override
  public Integer call() throws Exception {
    String text = Files.readString(file);
    ExperimentSpec spec = SpecReader.parse(text);
    Path baseDir = MentorCli.baseDir(file);
    String[] modes = {"in-process, library alone (runs one after another)", "mentor run: broker + actors, 1 CPU slot",
        "mentor run: broker + actors, 2 CPU slots"};
    double[][] wall = new double[3][repeats];
    double[][] training = new double[3][repeats];
    long samples = 0;
    for (int r = 0; r < repeats; r++) {
      for (int mode = 0; mode < 3; mode++) {
        Path temp = Files.createTempDirectory("mentor-service-bench-");
        try {
          long start = System.nanoTime();
          if (mode == 0) {
            // On a thread that ends with the run, as the service's training threads do (see EngineThreads).
            List<RunRecord> records = dev.mentor.training.engine.EngineThreads.onFreshThread("mentor-bench-in-process",
                () -> new ExperimentRunner(spec, baseDir, temp.resolve("runs")).run(RunListener.NONE));
            samples = records.stream().mapToLong(rec -> (long) rec.trainSamples() * rec.epochsRun()
                * (rec.ensemble() == null ? 1 : rec.ensemble().members())).sum();
            wall[mode][r] = (System.nanoTime() - start) / 1e9;
            training[mode][r] = wall[mode][r];
          } else {
            double[] t = throughService(spec, text, baseDir, temp, mode);
            wall[mode][r] = (System.nanoTime() - start) / 1e9;
            training[mode][r] = t[0];
          }
          System.err.printf(Locale.ROOT, "repeat %d, %s: %.1f s%n", r + 1, modes[mode], wall[mode][r]);
        } finally {
          AtomicFiles.deleteTree(temp);
        }
      }
    }
    System.out.println("## " + spec.name() + ": in-process vs through Kafka and actors (median of " + repeats + ")");
    System.out.println("| mode | wall s (all included) | submit to finished s | training samples/s of wall time | vs in-process |");
    System.out.println("|---|---|---|---|---|");
    double base = median(wall[0]);
    for (int mode = 0; mode < 3; mode++) {
      System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %,.0f | %.2f× |%n", modes[mode], median(wall[mode]), median(training[mode]),
          samples / median(wall[mode]), base / median(wall[mode]));
    }
    return 0;
  }

  /** Runs the experiment through an embedded broker and a node; returns the seconds from submission to the finished event. */
  private static double[] throughService(ExperimentSpec spec, String text, Path baseDir, Path temp, int slots) throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(temp.resolve("broker"))) {
      Map<String, Object> client = new HashMap<>();
      client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      try (MentorNode node = MentorNode.start(client, temp.resolve("service"), baseDir, temp.resolve("runs"), (short) 1,
          ServiceSettings.defaults().withCpuSlots(slots))) {
        Map<String, Object> consumerProps = new HashMap<>(client);
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "mentor-bench-" + UUID.randomUUID());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
          List<TopicPartition> partitions = consumer.partitionsFor(MentorTopics.STATUS).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
          consumer.assign(partitions);
          consumer.seekToEnd(partitions);
          partitions.forEach(consumer::position);
          Map<String, Object> producerProps = new HashMap<>(client);
          producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
          long start = System.nanoTime();
          try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(MentorTopics.JOBS, spec.name(), text)).get();
          }
          while (true) {
            for (var record : consumer.poll(Duration.ofMillis(100))) {
              JsonNode event = SpecReader.json().readTree(record.value());
              String kind = event.path("kind").asText();
              boolean experimentLevel = event.path("arm").isMissingNode() || event.path("arm").isNull();
              if (kind.equals("finished")) {
                return new double[] {(System.nanoTime() - start) / 1e9};
              }
              if (experimentLevel && (kind.equals("failed") || kind.equals("cancelled"))) {
                throw new IllegalStateException("the benchmark experiment ended " + kind + ": " + event.path("message").asText());
              }
            }
          }
        }
      }
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
