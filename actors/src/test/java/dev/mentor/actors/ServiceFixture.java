package dev.mentor.actors;

import dev.mentor.actors.kafka.EmbeddedKafka;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** A real broker and one service node on it, for tests: state under {@code state/service}, runs under {@code state/runs}. */
public final class ServiceFixture implements AutoCloseable {
  private final EmbeddedKafka kafka;
  private final MentorNode node;

  private ServiceFixture(EmbeddedKafka kafka, MentorNode node) {
    this.kafka = kafka;
    this.node = node;
  }

  public static ServiceFixture start(Path state) throws Exception {
    return start(state, ServiceSettings.defaults());
  }

  public static ServiceFixture start(Path state, ServiceSettings settings) throws Exception {
    EmbeddedKafka kafka = EmbeddedKafka.start(state.resolve("broker"));
    try {
      return new ServiceFixture(kafka, MentorNode.start(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
          state.resolve("service"), null, state.resolve("runs"), (short) 1, settings));
    } catch (Exception e) {
      kafka.close();
      throw e;
    }
  }

  public MentorNode node() {
    return node;
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  @Override
  public void close() throws Exception {
    try {
      node.close();
    } finally {
      kafka.close();
    }
  }
}
