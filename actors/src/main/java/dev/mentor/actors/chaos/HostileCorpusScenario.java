package dev.mentor.actors.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mentor.actors.kafka.JobIntake;
import dev.mentor.actors.kafka.KafkaClients;
import dev.mentor.messages.job.ControlRequest.Action;
import dev.mentor.messages.job.StatusEvent.Kind;
import dev.mentor.messages.topic.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * (a) A hostile corpus ({@link HostileCorpus}) sent raw to the jobs topic with a plain producer,
 * then one valid tiny job. Every record the broker took must get exactly one rejection on the
 * rejected-jobs topic, with a reason and under 1 MiB; the service stays alive and ready, runs the
 * valid job, consumes the whole topic, and writes nothing outside its state and runs folders.
 * Rejections are matched to inputs by the SHA-256 of the payload where they carry one
 * ({@code payloadSha256}), else by the payload text, else by experiment id (the record's key),
 * else only counted.
 */
public final class HostileCorpusScenario {
  /** How many inputs (at least the fixed set of every kind), and how long to wait for the service to stop making progress. */
  public record Size(int inputs, Duration stallWindow, Duration deadline) {
    public static Size ci() {
      return new Size(300, Duration.ofSeconds(30), Duration.ofSeconds(150));
    }

    public static Size full() {
      return new Size(2000, Duration.ofSeconds(60), Duration.ofSeconds(900));
    }
  }

  private static final int MAX_REJECTION_BYTES = 1024 * 1024;
  /** Experiment ids are at most 64 characters; a rejection may echo a longer key, truncated, but not unbounded. */
  private static final int MAX_REJECTION_ID_CHARS = 1024;
  private static final int MAX_REQUEST_BYTES = 6 * 1024 * 1024;

  private HostileCorpusScenario() {}

  public static ScenarioResult run(Path work, Size size, long seed) {
    ScenarioResult.Findings findings = new ScenarioResult.Findings("a: hostile corpus on " + Topics.JOBS);
    String validId = "chaos-valid-" + seed;
    try (ChaosRig rig = ChaosRig.start(work, findings)) {
      findings.step("generating the corpus");
      List<HostileCorpus.Input> corpus = HostileCorpus.generate(seed, size.inputs());
      findings.fact("inputs", corpus.size() + " (seed " + seed + "): " + corpus.stream()
          .collect(Collectors.groupingBy(HostileCorpus.Input::category, TreeMap::new, Collectors.counting())));
      Set<String> before = listing(rig.serveDir());
      findings.step("starting mentor serve");
      ServeProcess serve = rig.startServe(null, 1);
      findings.step("sending the corpus");
      List<HostileCorpus.Input> delivered = new ArrayList<>();
      List<String> refused = new ArrayList<>();
      try (Producer<byte[], byte[]> producer = rawProducer(rig.broker.bootstrapServers())) {
        for (HostileCorpus.Input input : corpus) {
          try {
            producer.send(new ProducerRecord<>(Topics.JOBS, input.key(), input.value())).get(60, TimeUnit.SECONDS);
            delivered.add(input);
          } catch (ExecutionException e) {
            if (!(e.getCause() instanceof RecordTooLargeException)) {
              throw e;
            }
            refused.add(input.label());
          }
        }
        findings.fact("refused by the broker (over its 1 MB limit)", refused.size() + (refused.isEmpty() ? "" : " " + refused));
        findings.fact("delivered to " + Topics.JOBS, delivered.size());
        producer.send(new ProducerRecord<>(Topics.JOBS, validId.getBytes(StandardCharsets.UTF_8),
            ChaosSpecs.tiny(validId, 2).getBytes(StandardCharsets.UTF_8))).get(60, TimeUnit.SECONDS);
      }
      findings.step("waiting for the valid job and the intake");
      Set<String> acceptedHostile = new LinkedHashSet<>();
      String consumed = awaitQuiet(rig, size, validId, acceptedHostile);
      rig.rejections.awaitCaughtUp(Duration.ofSeconds(30));
      rig.status.awaitCaughtUp(Duration.ofSeconds(30));
      collectAccepted(rig, validId, acceptedHostile);
      findings.step("matching rejections");
      matchRejections(findings, delivered, rig.rejections.all(), acceptedHostile);
      findings.check("no hostile input accepted", "0 queued", acceptedHostile.size() + (acceptedHostile.isEmpty() ? ""
          : " queued: " + acceptedHostile.stream().map(HostileCorpusScenario::shortened).toList()), acceptedHostile.isEmpty());
      TopicRecorder.Event end = rig.awaitEnd(validId, Duration.ZERO);
      findings.check("the valid job after the corpus finishes", "finished", end == null ? rig.describe(validId) : end.kind().toString(),
          end != null && end.kind() == Kind.FINISHED);
      findings.check("the jobs topic consumed to its end", "committed = end offset on every partition", consumed, consumed.startsWith("all"));
      findings.check("mentor serve alive", "alive", serve.isAlive() ? "alive" : "exited with " + serve.exitStatus() + "; its log ends: "
          + serve.logTail(5), serve.isAlive());
      HealthProbe.Answer ready = serve.isAlive() ? HealthProbe.await(serve.metricsPort(), "/health/ready", 200, Duration.ofSeconds(15))
          : new HealthProbe.Answer(-1, 0, "process exited");
      findings.check("/health/ready at the end", "200", ready.toString(), ready.status() == 200);
      Set<String> after = listing(rig.serveDir());
      Set<String> written = new TreeSet<>(after);
      written.removeAll(before);
      findings.check("nothing written outside --state and --output", "no new path in the working folder", written.isEmpty() ? "none"
          : written.size() + " new: " + written.stream().limit(10).toList(), written.isEmpty());
    } catch (Exception e) {
      findings.aborted(e);
    }
    return findings.result();
  }

  private static Producer<byte[], byte[]> rawProducer(String bootstrapServers) {
    return KafkaClients.of(bootstrapServers).with(Map.of(
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_REQUEST_BYTES,
        ProducerConfig.BUFFER_MEMORY_CONFIG, 4L * MAX_REQUEST_BYTES,
        // One record at a time: a record the broker refuses fails alone, and the order on each partition is the corpus's.
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
        ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1,
        ProducerConfig.RETRIES_CONFIG, 0)).producer(new ByteArraySerializer(), new ByteArraySerializer());
  }

  /**
   * Waits until the valid job has ended and the intake has committed the whole jobs topic, or
   * nothing has moved (commits, rejections, status events) for the stall window, or the deadline;
   * cancels hostile jobs the service accepted, so that the valid one gets the slot. Returns how
   * far the intake got.
   */
  private static String awaitQuiet(ChaosRig rig, Size size, String validId, Set<String> acceptedHostile) throws Exception {
    try (Admin admin = KafkaClients.of(rig.broker.bootstrapServers()).admin()) {
      long deadline = System.nanoTime() + size.deadline().toNanos();
      long lastMove = System.nanoTime();
      String progress = "";
      String consumed = "";
      while (true) {
        Set<String> cancelled = new LinkedHashSet<>(acceptedHostile);
        collectAccepted(rig, validId, acceptedHostile);
        for (String id : acceptedHostile) {
          if (!cancelled.contains(id)) {
            rig.control(id, Action.CANCEL);
          }
        }
        long[] offsets = jobOffsets(admin);
        consumed = offsets[0] == offsets[1] ? "all " + offsets[1] + " records committed" : offsets[0] + " of " + offsets[1] + " records committed";
        boolean ended = rig.awaitEnd(validId, Duration.ZERO) != null;
        if (ended && offsets[0] == offsets[1]) {
          return consumed;
        }
        String now = offsets[0] + "/" + rig.rejections.nextOffset() + "/" + rig.status.nextOffset();
        if (!now.equals(progress)) {
          progress = now;
          lastMove = System.nanoTime();
        }
        if (System.nanoTime() - lastMove > size.stallWindow().toNanos() || System.nanoTime() > deadline || !rig.serve().isAlive()) {
          return consumed + (rig.serve().isAlive() ? "; no progress for " + size.stallWindow().toSeconds() + " s" : "; serve exited");
        }
        Thread.sleep(500);
      }
    }
  }

  /** Experiments the service queued other than the valid one. */
  private static void collectAccepted(ChaosRig rig, String validId, Set<String> accepted) {
    rig.status.all().stream().filter(r -> r.key() != null && !r.key().equals(validId) && Kind.QUEUED.wireName().equals(r.json().path("kind").asText()))
        .forEach(r -> accepted.add(r.key()));
  }

  /** Committed offsets of the service's intake group and end offsets, summed over the jobs topic's partitions. */
  private static long[] jobOffsets(Admin admin) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(JobIntake.GROUP).partitionsToOffsetAndMetadata()
        .get(10, TimeUnit.SECONDS);
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int p = 0; p < Topics.JOB_PARTITIONS; p++) {
      latest.put(new TopicPartition(Topics.JOBS, p), OffsetSpec.latest());
    }
    long end = 0;
    long done = 0;
    for (var entry : admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).entrySet()) {
      end += entry.getValue().offset();
      OffsetAndMetadata commit = committed.get(entry.getKey());
      done += commit == null ? 0 : commit.offset();
    }
    return new long[] {done, end};
  }

  /** A rejection as read: its record's size and the fields a match uses. */
  private record Rejection(long offset, int bytes, String experimentId, String reason, JsonNode json) {
    boolean has(String field) {
      return json.hasNonNull(field);
    }
  }

  /** Matches rejections to delivered inputs (one each) and records the invariants about them. */
  private static void matchRejections(ScenarioResult.Findings findings, List<HostileCorpus.Input> delivered, List<TopicRecorder.Recorded> records,
      Set<String> acceptedHostile) {
    List<Rejection> rejections = records.stream().map(r -> {
      JsonNode json = r.json();
      return new Rejection(r.offset(), r.serializedSize(), json.path("experimentId").asText(null), json.path("reason").asText(""), json);
    }).toList();
    Map<HostileCorpus.Input, Integer> matches = new HashMap<>();
    Map<String, Integer> matchedBy = new TreeMap<>();
    List<Rejection> unmatched = new ArrayList<>();
    Map<String, BiPredicate<Rejection, HostileCorpus.Input>> ways = new LinkedHashMap<>();
    ways.put("sha256", (r, in) -> r.has("payloadSha256") && r.json().path("payloadSha256").asText().equalsIgnoreCase(in.sha256()));
    ways.put("payload", (r, in) -> r.has("payload") && !r.json().path("payloadTruncated").asBoolean(false)
        && r.json().path("payload").asText().equals(in.value() == null ? "" : new String(in.value(), StandardCharsets.UTF_8))
        && sameKey(r, in));
    ways.put("experiment id", HostileCorpusScenario::sameKey);
    ways.put("experiment id prefix", (r, in) -> r.experimentId() != null && in.keyText() != null && truncatedId(r.experimentId()).length() >= 8
        && in.keyText().startsWith(truncatedId(r.experimentId())));
    // A rejection carrying the sha256 is matched by it alone; one without by the first way that finds an input
    // without a rejection yet. One that finds only inputs already matched is a second rejection of that input.
    for (Rejection rejection : rejections) {
      List<Map.Entry<String, BiPredicate<Rejection, HostileCorpus.Input>>> applicable = ways.entrySet().stream()
          .filter(way -> rejection.has("payloadSha256") == way.getKey().equals("sha256")).toList();
      HostileCorpus.Input match = null;
      for (var way : applicable) {
        match = delivered.stream().filter(in -> !matches.containsKey(in) && way.getValue().test(rejection, in)).findFirst().orElse(null);
        if (match != null) {
          matches.put(match, 1);
          matchedBy.merge(way.getKey(), 1, Integer::sum);
          break;
        }
      }
      for (var way : applicable) {
        if (match != null) {
          break;
        }
        match = delivered.stream().filter(in -> way.getValue().test(rejection, in)).findFirst().orElse(null);
        if (match != null) {
          matches.merge(match, 1, Integer::sum);
          matchedBy.merge("again by " + way.getKey(), 1, Integer::sum);
        }
      }
      if (match == null) {
        unmatched.add(rejection);
      }
    }
    List<HostileCorpus.Input> missing = delivered.stream().filter(in -> !matches.containsKey(in)).toList();
    List<String> repeated = matches.entrySet().stream().filter(e -> e.getValue() > 1).map(e -> e.getKey().label() + " ×" + e.getValue()).toList();
    // Rejections that match no input by any way still count against the inputs left without one.
    long uncovered = Math.max(0, missing.size() - unmatched.size());
    findings.fact("rejections read", rejections.size() + " on " + Topics.REJECTED_JOBS + "; matched by " + matchedBy
        + (unmatched.isEmpty() ? "" : "; " + unmatched.size() + " matched to no input (counted only)"));
    findings.check("exactly one rejection per record that reached the broker", delivered.size() + " inputs ×1",
        String.format(Locale.ROOT, "%d rejections for %d inputs; without one: %d%s%s%s", rejections.size(), delivered.size(), uncovered,
            missing.isEmpty() ? "" : " (unmatched: " + missing.stream().limit(12).map(in -> in.label()
                + (in.keyText() != null && acceptedHostile.contains(in.keyText()) ? " [accepted]" : "")).toList()
                + (missing.size() > 12 ? " … " + (missing.size() - 12) + " more" : "") + ")",
            repeated.isEmpty() ? "" : "; more than one: " + repeated,
            unmatched.isEmpty() ? "" : "; unmatched rejections: " + unmatched.size()),
        rejections.size() == delivered.size() && uncovered == 0 && repeated.isEmpty() && (unmatched.isEmpty() || unmatched.size() == missing.size()));
    List<String> badFields = rejections.stream().filter(r -> r.experimentId() == null || !r.json().has("field") || r.reason().isBlank())
        .map(r -> "offset " + r.offset() + (r.reason().isBlank() ? " (no reason)" : " (no experimentId or field)")).toList();
    findings.check("every rejection has experimentId, field and a non-empty reason", "all " + rejections.size(),
        badFields.isEmpty() ? "all" : badFields.size() + " not: " + badFields.stream().limit(10).toList(), badFields.isEmpty());
    int largest = rejections.stream().mapToInt(Rejection::bytes).max().orElse(0);
    long over = rejections.stream().filter(r -> r.bytes() > MAX_REJECTION_BYTES).count();
    findings.check("every rejection record ≤ 1 MiB", "≤ " + MAX_REJECTION_BYTES + " bytes", "largest " + largest + " bytes; over: " + over,
        over == 0);
    int longestId = rejections.stream().mapToInt(r -> r.experimentId() == null ? 0 : r.experimentId().length()).max().orElse(0);
    findings.check("rejection experiment ids bounded", "≤ " + MAX_REJECTION_ID_CHARS + " characters", "longest " + longestId,
        longestId <= MAX_REJECTION_ID_CHARS);
  }

  private static boolean sameKey(Rejection rejection, HostileCorpus.Input input) {
    return rejection.experimentId() != null
        && (input.keyText() == null ? rejection.experimentId().isEmpty() : rejection.experimentId().equals(input.keyText()));
  }

  /** An id with a truncation mark ("…", "...") removed. */
  private static String truncatedId(String id) {
    return id.replaceFirst("(…|\\.\\.\\.)$", "");
  }

  private static String shortened(String id) {
    return id.length() > 40 ? id.substring(0, 40) + "…(" + id.length() + " chars)" : id;
  }

  /** Every path under {@code dir}, relative, except the service's state and runs folders. */
  private static Set<String> listing(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return Set.of();
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      return paths.map(p -> dir.relativize(p).toString()).filter(p -> !p.isEmpty() && !p.equals("state") && !p.startsWith("state/")
          && !p.equals("runs") && !p.startsWith("runs/")).collect(Collectors.toCollection(TreeSet::new));
    }
  }
}
