package dev.mentor.actors.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What one chaos scenario did and found: the inputs it tried and the faults it injected
 * ({@link Fact}s), and each invariant with what was expected and what was observed. A scenario
 * that could not run to its end (a process that would not start, a harness error) carries that as
 * a failed invariant too, so a result always says what went wrong.
 */
public record ScenarioResult(String scenario, double seconds, List<Fact> facts, List<Invariant> invariants, String detail) {
  /** An input tried, a fault injected or a measurement, for the table. */
  public record Fact(String what, String value) {}

  /** A property the service must keep under the scenario's faults: {@code held} when the observation meets the expectation. */
  public record Invariant(String name, String expected, String observed, boolean held) {}

  public ScenarioResult {
    facts = List.copyOf(facts);
    invariants = List.copyOf(invariants);
  }

  public boolean passed() {
    return !invariants.isEmpty() && invariants.stream().allMatch(Invariant::held);
  }

  public List<Invariant> failures() {
    return invariants.stream().filter(i -> !i.held()).toList();
  }

  /** A Markdown table of the facts, the scenario's detail table, and one of the invariants, under a heading with the verdict and duration. */
  public String table() {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "## chaos %s: %s (%.1f s)%n%n", scenario, passed() ? "PASS" : "FAIL", seconds));
    out.append("| input / fault / measurement | value |\n|---|---|\n");
    facts.forEach(f -> out.append("| ").append(cell(f.what())).append(" | ").append(cell(f.value())).append(" |\n"));
    if (!detail.isEmpty()) {
      out.append('\n').append(detail);
    }
    out.append("\n| invariant | expected | observed | result |\n|---|---|---|---|\n");
    invariants.forEach(i -> out.append("| ").append(cell(i.name())).append(" | ").append(cell(i.expected())).append(" | ").append(cell(i.observed()))
        .append(" | ").append(i.held() ? "pass" : "FAIL").append(" |\n"));
    return out.toString();
  }

  private static String cell(String text) {
    String flat = text.replace("|", "\\|").replace("\r", " ").replace("\n", " ");
    return flat.length() > 600 ? flat.substring(0, 600) + "…" : flat;
  }

  /** Collects a scenario's facts and invariants as it runs. */
  static final class Findings {
    private final String scenario;
    private final long start = System.nanoTime();
    private final List<Fact> facts = new ArrayList<>();
    private final List<Invariant> invariants = new ArrayList<>();
    private final StringBuilder detail = new StringBuilder();
    private String step = "setting up";

    Findings(String scenario) {
      this.scenario = scenario;
    }

    void fact(String what, Object value) {
      facts.add(new Fact(what, String.valueOf(value)));
    }

    /** Records an invariant; returns whether it held. */
    boolean check(String name, String expected, String observed, boolean held) {
      invariants.add(new Invariant(name, expected, observed, held));
      return held;
    }

    /** Adds a line to the detail table. */
    void detail(String line) {
      detail.append(line).append('\n');
    }

    /** Names what the scenario does now, for {@link #aborted}. */
    void step(String what) {
      step = what;
    }

    /** The scenario stopped early: the step it was at and why. */
    void aborted(Throwable error) {
      Throwable root = error;
      while (root.getCause() != null && root.getCause() != root && !(root instanceof IllegalStateException)) {
        root = root.getCause();
      }
      check("scenario ran to its end", "every step done", "stopped at: " + step + ": " + root.getClass().getSimpleName() + ": " + root.getMessage(),
          false);
    }

    double seconds() {
      return (System.nanoTime() - start) / 1e9;
    }

    ScenarioResult result() {
      return new ScenarioResult(scenario, seconds(), facts, invariants, detail.toString());
    }
  }
}
