package dev.mentor.actors.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Kafka broker in KRaft mode (combined broker and controller), started
 * in-process from Kafka's own server artifacts, listening on loopback only. This is what
 * {@code mentor run} uses when no broker address is given, and what the integration tests use:
 * the same broker code a cluster runs, nothing mocked. Its log directory lives under the given
 * state directory and is bounded ({@code log.retention.bytes}, small segments), and the
 * single-node settings Kafka needs are set (replication factor 1 for the offsets, transaction and
 * share-state topics; no initial rebalance delay). Topics are never auto-created: Mentor declares
 * its own ({@link MentorTopics}).
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final String LOOPBACK = "127.0.0.1";

  private final KafkaRaftServer server;
  private final String bootstrapServers;

  private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers) {
    this.server = server;
    this.bootstrapServers = bootstrapServers;
  }

  /** Formats {@code stateDir} if it is new, then starts the broker; returns once it accepts connections. */
  public static EmbeddedKafka start(Path stateDir) throws IOException {
    return start(writeConfig(stateDir));
  }

  /**
   * Starts the broker {@link #writeConfig} configured (its address is known before it starts:
   * clients can be built while it starts); returns once it accepts connections.
   */
  public static EmbeddedKafka start(Config config) throws IOException {
    ByteArrayOutputStream formatOutput = new ByteArrayOutputStream();
    int status = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", config.file().toString(),
        "--ignore-formatted"}, new PrintStream(formatOutput, true, StandardCharsets.UTF_8));
    if (status != 0) {
      throw new IOException("formatting the embedded broker's storage in " + config.file().getParent() + " failed: " + formatOutput.toString(StandardCharsets.UTF_8));
    }
    KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(config.properties(), false), Time.SYSTEM);
    server.startup();
    return new EmbeddedKafka(server, config.bootstrapServers());
  }

  /** A broker configuration written to {@code server.properties}, and the address clients use. */
  public record Config(Properties properties, Path file, String bootstrapServers) {}

  /**
   * Chooses free loopback ports and writes the single-node configuration into {@code stateDir}
   * ({@code server.properties}, data under {@code data/}): what {@link #start} runs in-process and
   * what {@code kafka.Kafka} can run as a child process.
   */
  public static Config writeConfig(Path stateDir) throws IOException {
    Files.createDirectories(stateDir);
    int brokerPort = freePort();
    int controllerPort = freePort();
    Properties props = new Properties();
    props.put("process.roles", "broker,controller");
    props.put("node.id", "1");
    props.put("controller.quorum.voters", "1@" + LOOPBACK + ":" + controllerPort);
    props.put("listeners", "PLAINTEXT://" + LOOPBACK + ":" + brokerPort + ",CONTROLLER://" + LOOPBACK + ":" + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://" + LOOPBACK + ":" + brokerPort);
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("log.dirs", stateDir.resolve("data").toAbsolutePath().toString());
    props.put("offsets.topic.replication.factor", "1");
    props.put("offsets.topic.num.partitions", "4");
    props.put("transaction.state.log.replication.factor", "1");
    props.put("transaction.state.log.min.isr", "1");
    props.put("transaction.state.log.num.partitions", "4");
    props.put("share.coordinator.state.topic.replication.factor", "1");
    props.put("share.coordinator.state.topic.min.isr", "1");
    props.put("group.initial.rebalance.delay.ms", "0");
    props.put("auto.create.topics.enable", "false");
    props.put("num.partitions", "1");
    props.put("log.segment.bytes", String.valueOf(16 * 1024 * 1024));
    props.put("log.retention.bytes", String.valueOf(256L * 1024 * 1024));
    props.put("log.retention.check.interval.ms", "60000");
    Path file = stateDir.resolve("server.properties");
    try (OutputStream out = Files.newOutputStream(file)) {
      props.store(out, "Mentor's embedded single-node KRaft broker");
    }
    return new Config(props, file, LOOPBACK + ":" + brokerPort);
  }

  /** {@code host:port} for clients' {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  public void close() {
    server.shutdown();
    server.awaitShutdown();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }
}
