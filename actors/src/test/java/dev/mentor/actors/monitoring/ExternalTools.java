package dev.mentor.actors.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The external programs the monitoring tests drive (Debian's {@code prometheus}, {@code promtool},
 * {@code docker-compose}). Where one is missing the test is skipped — unless
 * {@code MENTOR_REQUIRE_TOOLS=1} (set by CI, which installs them), where it fails.
 */
final class ExternalTools {
  private ExternalTools() {}

  /** The program's path; skips or fails the test when it is not on the PATH. */
  static Path require(String program) {
    Optional<Path> found = find(program);
    if (found.isPresent()) {
      return found.get();
    }
    String why = program + " is not installed (Debian package: apt-get install --no-install-recommends "
        + (program.equals("promtool") ? "prometheus" : program) + ")";
    if ("1".equals(System.getenv("MENTOR_REQUIRE_TOOLS"))) {
      throw new AssertionError(why);
    }
    Assumptions.abort(why);
    return null;
  }

  static boolean present(String program) {
    return find(program).isPresent();
  }

  private static Optional<Path> find(String program) {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)).filter(dir -> !dir.isEmpty())
        .map(dir -> Path.of(dir, program)).filter(Files::isExecutable).findFirst();
  }

  /** Runs a command to its end (at most 2 minutes) with {@code stdin} as its input; returns exit status and output. */
  static Result run(List<String> command, Path workingDir, String stdin) throws IOException, InterruptedException {
    return run(command, workingDir, stdin, Map.of());
  }

  /**
   * As {@link #run(List, Path, String)}, in this process's environment changed by {@code environment}:
   * a variable mapped to {@code null} is removed.
   */
  static Result run(List<String> command, Path workingDir, String stdin, Map<String, String> environment)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(workingDir.toFile()).redirectErrorStream(true);
    environment.forEach((name, value) -> {
      if (value == null) {
        builder.environment().remove(name);
      } else {
        builder.environment().put(name, value);
      }
    });
    Process process = builder.start();
    try (var in = process.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(2, TimeUnit.MINUTES)).as("%s ends", command).isTrue();
    return new Result(process.exitValue(), output);
  }

  record Result(int status, String output) {}
}
