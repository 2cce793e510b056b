package dev.mentor.actors.chaos;

import dev.mentor.actors.kafka.EmbeddedKafka;
import dev.mentor.actors.kafka.KafkaClients;
import dev.mentor.actors.kafka.MentorTopics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;

/**
 * The single-node KRaft broker of {@link EmbeddedKafka#writeConfig} run as {@code kafka.Kafka} in
 * a child JVM, so that it can be killed ({@code kill -9}) and started again on the same
 * configuration, ports and data, as a crashed broker is. Mentor's topics are created at the first
 * start, so that clients can produce before a service runs.
 */
final class BrokerProcess implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private final Path dir;
  private final EmbeddedKafka.Config config;
  private ChildJvm jvm;
  private int starts;

  private BrokerProcess(Path dir, EmbeddedKafka.Config config) {
    this.dir = dir;
    this.config = config;
  }

  /** Writes a configuration into {@code dir}, formats its storage, starts the broker and creates Mentor's topics. */
  static BrokerProcess start(Path dir) throws Exception {
    EmbeddedKafka.Config config = EmbeddedKafka.writeConfig(dir);
    // A broker killed and started again registers anew; its controller (the same process) admits
    // the new registration only once the old one's session has expired (9 s by default), and
    // clients see no broker until then. A short session keeps a restart close to a JVM start.
    Files.writeString(config.file(), "broker.session.timeout.ms=2000\nbroker.heartbeat.interval.ms=500\n",
        StandardOpenOption.APPEND);
    ByteArrayOutputStream formatOutput = new ByteArrayOutputStream();
    int status = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", config.file().toString(),
        "--ignore-formatted"}, new PrintStream(formatOutput, true, StandardCharsets.UTF_8));
    if (status != 0) {
      throw new IOException("formatting the broker's storage in " + dir + " failed: " + formatOutput.toString(StandardCharsets.UTF_8));
    }
    BrokerProcess broker = new BrokerProcess(dir, config);
    broker.restart();
    try (Admin admin = broker.adminClients().admin()) {
      MentorTopics.ensure(admin, (short) 1);
    }
    broker.awaitLeaders();
    return broker;
  }

  /** Starts the broker (again) on its configuration and data; returns once every Mentor topic has a leader. */
  void restart() throws Exception {
    if (jvm != null && jvm.isAlive()) {
      throw new IllegalStateException("the broker still runs (pid " + jvm.pid() + ")");
    }
    starts++;
    jvm = ChildJvm.start(dir, dir.resolve("broker-" + starts + ".log"), List.of("-Xmx512m"), "kafka.Kafka", List.of(config.file().toString()));
    awaitReachable();
    if (starts > 1) {
      awaitLeaders();
    }
  }

  /** {@code kill -9} of the broker's process; returns once it is gone. */
  void kill() throws InterruptedException {
    jvm.kill();
  }

  String bootstrapServers() {
    return config.bootstrapServers();
  }

  long pid() {
    return jvm.pid();
  }

  boolean isAlive() {
    return jvm != null && jvm.isAlive();
  }

  private KafkaClients adminClients() {
    return KafkaClients.of(bootstrapServers()).with(Map.of(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000));
  }

  private void awaitReachable() throws Exception {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    try (Admin admin = adminClients().admin()) {
      while (true) {
        if (!jvm.isAlive()) {
          throw new IllegalStateException("the broker exited with status " + jvm.exitStatus() + " while starting; its log ends:\n" + jvm.logTail(30));
        }
        try {
          admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
          return;
        } catch (Exception e) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("the broker did not answer within " + READY_TIMEOUT.toSeconds() + " s; its log ends:\n"
                + jvm.logTail(30), e);
          }
          Thread.sleep(200);
        }
      }
    }
  }

  /** After a restart the partitions come back once the broker has recovered its logs and registered: wait for their leaders. */
  private void awaitLeaders() throws Exception {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    try (Admin admin = adminClients().admin()) {
      Exception last = null;
      while (System.nanoTime() < deadline) {
        try {
          Map<String, TopicDescription> topics = admin.describeTopics(MentorTopics.names()).allTopicNames().get(5, TimeUnit.SECONDS);
          if (topics.values().stream().flatMap(t -> t.partitions().stream()).allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
            return;
          }
        } catch (Exception e) {
          last = e;
        }
        Thread.sleep(200);
      }
      throw new IllegalStateException("the broker's partitions have no leader " + READY_TIMEOUT.toSeconds() + " s after its start", last);
    }
  }

  /** Stops the broker with SIGTERM (a clean shutdown), killing it if it takes longer than 30 s. */
  @Override
  public void close() throws InterruptedException {
    if (jvm != null) {
      jvm.terminate(Duration.ofSeconds(30));
    }
  }
}
