package dev.mentor.actors.chaos;

import dev.mentor.actors.kafka.KafkaClients;
import dev.mentor.messages.job.ControlRequest.Action;
import dev.mentor.messages.job.ControlRequest;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.topic.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The real processes of one scenario on loopback: a broker ({@link BrokerProcess}) in
 * {@code broker/}, recorders of the status, results and rejected-jobs topics, a producer for jobs
 * and control requests, and {@code mentor serve} processes working in {@code serve/} (state and
 * runs under it, logs in {@code logs/}). Closing it stops whatever still runs.
 */
final class ChaosRig implements AutoCloseable {
  private final Path dir;
  private final ScenarioResult.Findings findings;
  final BrokerProcess broker;
  final TopicRecorder status;
  final TopicRecorder results;
  final TopicRecorder rejections;
  private final Producer<String, String> producer;
  private ServeProcess serve;
  private int serveStarts;

  private ChaosRig(Path dir, ScenarioResult.Findings findings, BrokerProcess broker) {
    this.dir = dir;
    this.findings = findings;
    this.broker = broker;
    this.status = TopicRecorder.start(broker.bootstrapServers(), Topics.STATUS);
    this.results = TopicRecorder.start(broker.bootstrapServers(), Topics.RESULTS);
    this.rejections = TopicRecorder.start(broker.bootstrapServers(), Topics.REJECTED_JOBS);
    this.producer = KafkaClients.of(broker.bootstrapServers()).with(Map.of(ProducerConfig.ACKS_CONFIG, "all"))
        .producer(new StringSerializer(), new StringSerializer());
  }

  /** Starts the broker in {@code dir/broker} and the recorders; what the service logs tell is added to {@code findings} at the close. */
  static ChaosRig start(Path dir, ScenarioResult.Findings findings) throws Exception {
    return new ChaosRig(dir, findings, BrokerProcess.start(dir.resolve("broker")));
  }

  /** The working folder of the scenario's service processes. */
  Path serveDir() {
    return dir.resolve("serve");
  }

  /** Starts a service process (a new one each call, on the same state and runs); {@code clientConfig} may be null. */
  ServeProcess startServe(Path clientConfig, int cpuSlots) throws Exception {
    serveStarts++;
    serve = ServeProcess.start(new ServeProcess.Setup(serveDir(), broker.bootstrapServers(), clientConfig, cpuSlots), "serve-" + serveStarts);
    return serve;
  }

  ServeProcess serve() {
    return serve;
  }

  /** Submits an experiment spec under its name (acks=all); fails after 30 s. */
  void submit(String id, String spec) throws Exception {
    producer.send(new ProducerRecord<>(Topics.JOBS, id, spec)).get(30, TimeUnit.SECONDS);
  }

  /** Sends {@code cancel}, {@code pause} or {@code resume} for an experiment. */
  void control(String id, Action action) throws Exception {
    producer.send(new ProducerRecord<>(Topics.CONTROL, id, SpecReader.toJson(ControlRequest.of(id, action)))).get(30, TimeUnit.SECONDS);
  }

  /** The status event that ended experiment {@code id} ({@code finished}, {@code failed}, {@code cancelled}), or null after {@code timeout}. */
  TopicRecorder.Event awaitEnd(String id, Duration timeout) throws InterruptedException {
    return status.await(id, 0, e -> e.ends(), timeout);
  }

  /**
   * Lets the last events of a process arrive ({@code settle}), then waits until the status and
   * results recorders have read their topics to the end, and returns experiment {@code id}'s
   * status events.
   */
  List<TopicRecorder.Event> settledEvents(String id, Duration settle) throws InterruptedException {
    Thread.sleep(settle.toMillis());
    status.awaitCaughtUp(Duration.ofSeconds(30));
    results.awaitCaughtUp(Duration.ofSeconds(30));
    return status.events(id);
  }

  /** The kinds of experiment {@code id}'s ending events and how many of each: exactly once is {@code {finished=1}}. */
  static Map<String, Long> endings(List<TopicRecorder.Event> events) {
    return events.stream().filter(e -> e.ends())
        .collect(Collectors.groupingBy(e -> e.kind().toString(), TreeMap::new, Collectors.counting()));
  }

  /** The records of experiment {@code id} on the results topic. */
  List<TopicRecorder.Recorded> results(String id) {
    return results.all().stream().filter(r -> id.equals(r.key())).toList();
  }

  /** Stops the current service process with SIGTERM (30 s to exit) and notes how it went: the graceful stop a deployment does. */
  void stopServe(ScenarioResult.Findings findings) throws InterruptedException {
    findings.step("stopping mentor serve with SIGTERM");
    double seconds = serve.terminate(Duration.ofSeconds(30));
    findings.fact("SIGTERM stop of mentor serve", seconds < 0 ? "did not exit within 30 s (killed)"
        : String.format(Locale.ROOT, "exited with %d in %.1f s", serve.exitStatus(), seconds));
  }

  /** How an experiment stands: its ending event's kind, or the last event seen, for messages. */
  String describe(String id) {
    List<TopicRecorder.Event> events = status.events(id);
    if (events.isEmpty()) {
      return "no status event";
    }
    TopicRecorder.Event last = events.stream().filter(e -> e.ends()).findFirst().orElse(events.get(events.size() - 1));
    String message = last.json().path("message").isTextual() ? last.json().path("message").asText() : "";
    return (last.ends() ? "" : "still running, last event ") + last.kind() + (message.isEmpty() ? "" : ": " + message);
  }

  /**
   * Adds to the findings the threads that died of an exception in any service process of this
   * scenario, as their logs tell ({@code Exception in thread "..."}): where to look when an
   * invariant fails.
   */
  private void reportDeadThreads() {
    List<String> deaths = new ArrayList<>();
    Path logs = serveDir().resolveSibling("logs");
    if (!Files.isDirectory(logs)) {
      return;
    }
    try (var files = Files.list(logs)) {
      for (Path log : files.sorted().toList()) {
        for (String line : Files.readAllLines(log, StandardCharsets.ISO_8859_1)) {
          if (line.startsWith("Exception in thread ")) {
            deaths.add(log.getFileName() + ": " + (line.length() > 300 ? line.substring(0, 300) + "…" : line));
          }
        }
      }
    } catch (IOException e) {
      deaths.add("(logs unreadable: " + e.getMessage() + ")");
    }
    findings.fact("threads that died in mentor serve (its log)", deaths.isEmpty() ? "none" : String.join("; ", deaths));
  }

  @Override
  public void close() throws Exception {
    reportDeadThreads();
    Exception failure = null;
    for (AutoCloseable part : new AutoCloseable[] {() -> {
      if (serve != null && serve.isAlive()) {
        serve.terminate(Duration.ofSeconds(20));
      }
    }, () -> producer.close(Duration.ofSeconds(5)), status, results, rejections, broker}) {
      try {
        part.close();
      } catch (Exception e) {
        failure = failure == null ? e : failure;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
