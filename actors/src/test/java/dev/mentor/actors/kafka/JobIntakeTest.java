package dev.mentor.actors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mentor.messages.job.JobCodec;
import dev.mentor.messages.job.JobRejection;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job intake against a real broker: specs submitted by the Java client and by an external
 * client (kcat) are accepted durably, invalid and malformed ones land on the rejected-jobs topic
 * with their field, reason and original payload while the intake keeps going, a second
 * submission of the same id is not accepted again, and a restarted intake re-reads nothing it
 * already handled.
 */
class JobIntakeTest {
  private static final String VALID = """
      name: %s
      seeds: [1]
      data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 20}
      tasks:
        t: {classes: [0, 1, 2]}
      arms:
        - {name: a, task: t, model: {type: mlp, widths: [8]}, epochs: 1}
      """;

  @TempDir static Path brokerState;
  @TempDir Path state;
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startBroker() throws Exception {
    kafka = EmbeddedKafka.start(brokerState);
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      MentorTopics.ensure(admin, (short) 1);
    }
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  /** Collects what the intake reports. */
  static final class Collected implements JobIntake.Listener {
    final List<JobCodec.Job> accepted = new CopyOnWriteArrayList<>();
    final List<JobRejection> rejected = new CopyOnWriteArrayList<>();
    final List<String> duplicates = new CopyOnWriteArrayList<>();

    @Override
    public void accepted(JobCodec.Job job) {
      accepted.add(job);
    }

    @Override
    public void rejected(JobRejection rejection) {
      rejected.add(rejection);
    }

    @Override
    public void duplicate(String experimentId) {
      duplicates.add(experimentId);
    }

    int total() {
      return accepted.size() + rejected.size() + duplicates.size();
    }
  }

  private static Map<String, Object> client() {
    return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
  }

  private static void send(String key, byte[] value) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(Topics.JOBS, key, value)).get();
    }
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  private static List<JsonNode> rejectedRecords(int expected) throws Exception {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "rejections-reader-" + System.nanoTime());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<JsonNode> out = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(Topics.REJECTED_JOBS));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (out.size() < expected && System.nanoTime() < deadline) {
        for (var r : consumer.poll(Duration.ofMillis(200))) {
          out.add(SpecReader.json().readTree(r.value()));
        }
      }
    }
    return out;
  }

  @Test
  void acceptsValidJobsOnceRejectsBadOnesAndKeepsGoing() throws Exception {
    Collected collected = new Collected();
    try (JobIntake intake = JobIntake.start(client(), state, collected)) {
      send("good-1", VALID.formatted("good-1").getBytes(StandardCharsets.UTF_8));
      send("bad-temperature", (VALID.formatted("bad-temperature").replace("epochs: 1}", "epochs: 1,"
          + " distill: {teacher: {arm: a}, temperature: -2}}")).getBytes(StandardCharsets.UTF_8));
      send("garbage", new byte[] {'{', 'n', 'o', 't', ' ', 'j', 's', 'o', 'n'});
      send("good-1", VALID.formatted("good-1").getBytes(StandardCharsets.UTF_8));
      send(null, ("{\"name\": \"good-json\", \"seeds\": [1], \"data\": {\"source\": \"synthetic\"}, \"tasks\": {\"t\": {\"classes\": [0, 1]}},"
          + " \"arms\": [{\"name\": \"a\", \"task\": \"t\", \"model\": {\"type\": \"logistic\"}}]}").getBytes(StandardCharsets.UTF_8));
      await(() -> collected.total() == 5, "5 jobs handled");
    }
    // Jobs spread over partitions by id: records of one id keep their order, different ids need not.
    assertThat(collected.accepted).extracting(JobCodec.Job::id).containsExactlyInAnyOrder("good-1", "good-json");
    assertThat(collected.duplicates).containsExactly("good-1");
    assertThat(JobIntake.jobFile(state, "good-1")).isRegularFile();
    JobCodec.Job good = collected.accepted.stream().filter(j -> j.id().equals("good-1")).findFirst().orElseThrow();
    assertThat(SpecReader.parse(Files.readString(JobIntake.jobFile(state, "good-1")))).isEqualTo(good.spec());

    assertThat(collected.rejected).extracting(JobRejection::experimentId).containsExactlyInAnyOrder("bad-temperature", "garbage");
    List<JsonNode> published = rejectedRecords(2);
    assertThat(published).hasSizeGreaterThanOrEqualTo(2);
    JsonNode temperature = published.stream().filter(n -> n.path("experimentId").asText().equals("bad-temperature")).findFirst().orElseThrow();
    assertThat(temperature.path("field").asText()).isEqualTo("arms[0].distill.temperature");
    assertThat(temperature.path("reason").asText()).contains("must be > 0");
    assertThat(temperature.path("payload").asText()).contains("temperature: -2");
    JsonNode garbage = published.stream().filter(n -> n.path("experimentId").asText().equals("garbage")).findFirst().orElseThrow();
    assertThat(garbage.path("reason").asText()).contains("not valid JSON");
    assertThat(garbage.path("payload").asText()).isEqualTo("{not json");

    // Restarted on the same group: everything handled was committed, nothing is seen twice.
    Collected again = new Collected();
    try (JobIntake intake = JobIntake.start(client(), state, again)) {
      send("good-2", VALID.formatted("good-2").getBytes(StandardCharsets.UTF_8));
      await(() -> again.total() == 1, "the new job");
    }
    assertThat(again.accepted).extracting(JobCodec.Job::id).containsExactly("good-2");
    assertThat(again.rejected).isEmpty();
    assertThat(again.duplicates).isEmpty();
  }

  @Test
  void anyKafkaClientCanSubmitAJob_kcat() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/kcat")), "kcat is not installed");
    Collected collected = new Collected();
    try (JobIntake intake = JobIntake.start(client(), state, collected)) {
      // kcat sends each file named on its command line as one message (stdin would be split into lines).
      Path spec = state.resolve("from-kcat.yaml");
      Files.writeString(spec, VALID.formatted("from-kcat"));
      Process kcat = new ProcessBuilder("kcat", "-P", "-b", kafka.bootstrapServers(), "-t", Topics.JOBS, "-k", "from-kcat",
          spec.toString()).redirectErrorStream(true).start();
      assertThat(kcat.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(kcat.exitValue()).as(new String(kcat.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
      await(() -> collected.total() >= 1, "the kcat job");
    }
    assertThat(collected.rejected).as("rejections").isEmpty();
    assertThat(collected.accepted).extracting(JobCodec.Job::id).contains("from-kcat");
  }
}
