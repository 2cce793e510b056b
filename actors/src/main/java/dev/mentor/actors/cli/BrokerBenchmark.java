package dev.mentor.actors.cli;

import dev.mentor.actors.kafka.EmbeddedKafka;
import dev.mentor.actors.kafka.KafkaClients;
import dev.mentor.actors.kafka.MentorTopics;
import dev.mentor.messages.topic.Topics;
import dev.mentor.training.engine.EngineKernels;
import dev.mentor.training.files.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * How to run the embedded broker, measured: the same single-node KRaft broker started in this
 * JVM ({@link EmbeddedKafka}) and as a child JVM ({@code kafka.Kafka} on the same class path),
 * each timed from start to Mentor's topics created and one record produced and consumed back,
 * and stopped; both run the configuration {@link EmbeddedKafka#writeConfig} writes. Prints a
 * table (median of the repetitions).
 */
@Command(name = "bench-broker", description = "Embedded broker in-process vs child process: start-up to first consumed record (prints a table).")
final class BrokerBenchmark implements Callable<Integer> {
  @Option(names = "--repeats", defaultValue = "3")
  int repeats;

  @Override
  public Integer call() throws Exception {
    double[] inProcess = new double[repeats];
    double[] child = new double[repeats];
    double[] inProcessStop = new double[repeats];
    double[] childStop = new double[repeats];
    for (int r = 0; r < repeats; r++) {
      Path dir = Files.createTempDirectory("mentor-broker-bench-");
      long start = System.nanoTime();
      EmbeddedKafka kafka = EmbeddedKafka.start(dir);
      roundTrip(kafka.bootstrapServers());
      inProcess[r] = (System.nanoTime() - start) / 1e9;
      long stop = System.nanoTime();
      kafka.close();
      inProcessStop[r] = (System.nanoTime() - stop) / 1e9;
      AtomicFiles.deleteTree(dir);

      dir = Files.createTempDirectory("mentor-broker-bench-");
      start = System.nanoTime();
      ChildBroker broker = ChildBroker.start(dir);
      roundTrip(broker.bootstrapServers);
      child[r] = (System.nanoTime() - start) / 1e9;
      stop = System.nanoTime();
      broker.process.destroy();
      broker.process.waitFor();
      childStop[r] = (System.nanoTime() - stop) / 1e9;
      AtomicFiles.deleteTree(dir);
    }
    System.out.println("## Embedded broker: in-process vs child process (median of " + repeats + ")");
    System.out.println("| broker | start to topics created and one record consumed, s | stop, s |");
    System.out.println("|---|---|---|");
    System.out.printf(Locale.ROOT, "| in-process (KafkaRaftServer) | %.2f | %.2f |%n", median(inProcess), median(inProcessStop));
    System.out.printf(Locale.ROOT, "| child JVM (kafka.Kafka) | %.2f | %.2f |%n", median(child), median(childStop));
    return 0;
  }

  private static void roundTrip(String bootstrap) throws Exception {
    KafkaClients clients = KafkaClients.of(bootstrap);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try (Admin admin = clients.admin()) {
        MentorTopics.ensure(admin, (short) 1);
        break;
      } catch (Exception e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
    try (Producer<String, String> producer = clients.producer(new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(Topics.CONTROL, "bench", "ping")).get();
    }
    try (Consumer<String, String> consumer = clients.with(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "bench", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))
        .consumer(new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(Topics.CONTROL));
      while (consumer.poll(Duration.ofMillis(100)).isEmpty()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("no record back within 60 s");
        }
      }
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  /** The same broker configuration run as {@code kafka.Kafka} in a child JVM. */
  private record ChildBroker(Process process, String bootstrapServers) {
    static ChildBroker start(Path dir) throws IOException, InterruptedException {
      EmbeddedKafka.Config config = EmbeddedKafka.writeConfig(dir);
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      String classPath = System.getProperty("java.class.path");
      Process format = new ProcessBuilder(java, "-cp", classPath, "kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(),
          "-c", config.file().toString()).redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile()).start();
      if (format.waitFor() != 0) {
        throw new IOException("formatting failed: " + Files.readString(dir.resolve("format.log")));
      }
      List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", classPath, "kafka.Kafka", config.file().toString()));
      Process process = EngineKernels.applyTo(new ProcessBuilder(command)).redirectErrorStream(true).redirectOutput(dir.resolve("broker.log").toFile()).start();
      return new ChildBroker(process, config.bootstrapServers());
    }
  }
}
