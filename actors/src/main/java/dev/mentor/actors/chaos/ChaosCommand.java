package dev.mentor.actors.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code mentor chaos}: runs the chaos scenarios on real processes on loopback (a broker and
 * {@code mentor serve} in child JVMs, killed by process id), prints each scenario's table of
 * inputs, faults and invariants and a summary, and exits with 1 when any invariant failed. CI runs
 * the small sizes (the default); {@code --full} runs the sizes a person runs before a release.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
    description = "Chaos scenarios against real broker and service processes: (a) hostile job corpus, (b) kill -9 of mentor serve, "
        + "(c) broker outages, (d) soak of many experiments, (e) stalled HTTP client. Exits 1 when an invariant fails.")
public final class ChaosCommand implements Callable<Integer> {
  /** The scenarios by letter, in the order they run. */
  private static final List<String> ALL = List.of("a", "b", "c", "d", "e");

  @Option(names = "--scenario", split = ",", defaultValue = "all", paramLabel = "a,b,c,d,e|all",
      description = "scenarios to run: a hostile corpus, b kill -9 of serve, c broker outages, d soak, e stalled HTTP client (default: all)")
  List<String> scenarios;

  @Option(names = "--full", description = "full sizes (2,000 inputs, 20 kills, 3 broker outages of 70-90 s with default client timeouts, "
      + "100 experiments, 8 stalled clients for 60 s) instead of the CI sizes")
  boolean full;

  @Option(names = "--seed", description = "seed of the corpus, the kill points and the outage lengths (default: a new one, printed)")
  Long seed;

  @Option(names = "--work", description = "folder for the processes' data and logs, one subfolder per scenario, kept "
      + "(default: a new temporary folder)")
  Path work;

  @Override
  public Integer call() throws Exception {
    Set<String> chosen = new LinkedHashSet<>();
    for (String scenario : scenarios) {
      String s = scenario.trim().toLowerCase(Locale.ROOT);
      if (s.equals("all")) {
        chosen.addAll(ALL);
      } else if (ALL.contains(s)) {
        chosen.add(s);
      } else {
        throw new CommandLine.ParameterException(new CommandLine(this), "--scenario takes letters of " + ALL + " or all; got '" + scenario + "'");
      }
    }
    long runSeed = seed != null ? seed : System.currentTimeMillis();
    Path root = work != null ? Files.createDirectories(work) : Files.createTempDirectory("mentor-chaos-");
    System.out.println("mentor chaos: scenarios " + ALL.stream().filter(chosen::contains).collect(Collectors.joining(",")) + ", "
        + (full ? "full" : "CI") + " sizes, seed " + runSeed + ", processes' data and logs under " + root.toAbsolutePath());
    List<ScenarioResult> results = new ArrayList<>();
    for (String scenario : ALL) {
      if (chosen.contains(scenario)) {
        ScenarioResult result = run(scenario, root, runSeed);
        System.out.println();
        System.out.println(result.table());
        results.add(result);
      }
    }
    System.out.println("## chaos summary (seed " + runSeed + ")");
    System.out.println("| scenario | result | seconds | failed invariants |");
    System.out.println("|---|---|---|---|");
    for (ScenarioResult result : results) {
      System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %s |%n", result.scenario(), result.passed() ? "PASS" : "FAIL", result.seconds(),
          result.failures().stream().map(ScenarioResult.Invariant::name).collect(Collectors.joining("; ")));
    }
    return results.stream().allMatch(ScenarioResult::passed) ? 0 : 1;
  }

  private ScenarioResult run(String scenario, Path root, long runSeed) throws IOException {
    return switch (scenario) {
      case "a" -> HostileCorpusScenario.run(Files.createTempDirectory(root, "a-hostile-corpus-"),
          full ? HostileCorpusScenario.Size.full() : HostileCorpusScenario.Size.ci(), runSeed);
      case "b" -> ServeKillScenario.run(Files.createTempDirectory(root, "b-serve-kill-"),
          full ? ServeKillScenario.Size.full() : ServeKillScenario.Size.ci(), runSeed);
      case "c" -> BrokerOutageScenario.run(Files.createTempDirectory(root, "c-broker-outage-"),
          full ? BrokerOutageScenario.Size.full() : BrokerOutageScenario.Size.ci(), runSeed);
      case "d" -> SoakScenario.run(Files.createTempDirectory(root, "d-soak-"), full ? SoakScenario.Size.full() : SoakScenario.Size.ci(), runSeed);
      case "e" -> StalledClientScenario.run(Files.createTempDirectory(root, "e-stalled-client-"),
          full ? StalledClientScenario.Size.full() : StalledClientScenario.Size.ci());
      default -> throw new IllegalArgumentException(scenario);
    };
  }
}
