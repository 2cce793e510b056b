package dev.mentor.actors.chaos;

import dev.mentor.messages.job.StatusEvent.Kind;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** Invariants about an experiment's runs that more than one scenario judges: its records on the results topic, its epoch events. */
final class RunChecks {
  /** The header that names a run record on the results topic, stable across republications. */
  static final String RECORD_ID_HEADER = "mentor-record-id";

  private RunChecks() {}

  /** One record per run on the results topic, by arm and seed; distinct record ids where the records carry them. */
  static void oneResultPerRun(ScenarioResult.Findings findings, List<TopicRecorder.Recorded> records, List<String> runs) {
    Map<String, Integer> perRun = new TreeMap<>();
    runs.forEach(r -> perRun.put(r, 0));
    for (TopicRecorder.Recorded record : records) {
      var json = record.json();
      perRun.merge(json.path("arm").asText() + "/s" + json.path("seed").asText(), 1, Integer::sum);
    }
    boolean once = perRun.keySet().equals(new HashSet<>(runs)) && perRun.values().stream().allMatch(n -> n == 1);
    findings.check("one result record per run", "each of " + runs.size() + " runs ×1", records.size() + " records: " + perRun, once);
    long withHeader = records.stream().filter(r -> r.headers().containsKey(RECORD_ID_HEADER)).count();
    Set<String> ids = records.stream().map(r -> r.headers().get(RECORD_ID_HEADER)).filter(Objects::nonNull).collect(Collectors.toSet());
    if (withHeader == 0) {
      findings.fact("header " + RECORD_ID_HEADER, "absent on all " + records.size() + " records: distinct ids not checked");
    } else {
      findings.check("distinct " + RECORD_ID_HEADER + " values = runs", runs.size() + " distinct, on every record",
          ids.size() + " distinct on " + withHeader + " of " + records.size() + " records",
          ids.size() == runs.size() && withHeader == records.size());
    }
  }

  /** Each run's highest epoch reported (0 for none). */
  static Map<String, Integer> lastEpochs(List<TopicRecorder.Event> events, List<String> runs) {
    Map<String, Integer> last = new TreeMap<>();
    runs.forEach(r -> last.put(r, 0));
    events.stream().filter(e -> e.kind() == Kind.EPOCH).forEach(e -> last.merge(e.run(), e.json().path("epoch").asInt(), Math::max));
    return last;
  }

  /** For each run with a gap, "run [epochs in 1..epochs without an epoch event]". */
  static List<String> missingEpochs(List<TopicRecorder.Event> events, List<String> runs, int epochs) {
    return runs.stream().map(run -> {
      Set<Integer> seen = events.stream().filter(e -> e.kind() == Kind.EPOCH && e.run().equals(run)).map(e -> e.json().path("epoch").asInt())
          .collect(Collectors.toSet());
      List<Integer> missing = IntStream.rangeClosed(1, epochs).filter(e -> !seen.contains(e)).boxed().toList();
      return missing.isEmpty() ? null : run + " " + ranges(missing);
    }).filter(Objects::nonNull).toList();
  }

  /** For each run without a {@code run-started} or a {@code run-finished} event, what it lacks. */
  static List<String> missingRunEvents(List<TopicRecorder.Event> events, List<String> runs) {
    return runs.stream().flatMap(run -> Stream.of(Kind.RUN_STARTED, Kind.RUN_FINISHED)
        .filter(kind -> events.stream().noneMatch(e -> e.kind() == kind && e.run().equals(run))).map(kind -> run + " " + kind)).toList();
  }

  /** "[1-3, 7]" for [1, 2, 3, 7]. */
  static String ranges(List<Integer> sorted) {
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < sorted.size(); i++) {
      int from = sorted.get(i);
      while (i + 1 < sorted.size() && sorted.get(i + 1) == sorted.get(i) + 1) {
        i++;
      }
      out.append(out.length() > 1 ? ", " : "").append(from).append(from == sorted.get(i) ? "" : "-" + sorted.get(i));
    }
    return out.append(']').toString();
  }
}
