package dev.mentor.actors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.actors.ServiceFixture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mentor submit}, {@code status} and {@code cancel} against a service node on a real broker. */
class ServiceCommandsTest {
  @TempDir static Path state;
  private static ServiceFixture service;

  @BeforeAll
  static void startService() throws Exception {
    service = ServiceFixture.start(state);
  }

  @AfterAll
  static void stopService() throws Exception {
    if (service != null) {
      service.close();
    }
  }

  /**
   * {@code mentor status ID} until its output contains {@code text} (60 s at most); before the
   * service's first event the command exits 1 (no such experiment yet), which is waited out too.
   */
  private static String awaitStatus(String id, String text) throws InterruptedException {
    String status = "";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!status.contains(text) && System.nanoTime() < deadline) {
      Thread.sleep(300);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      PrintStream previous = System.out;
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      try {
        MentorMain.commandLine().setErr(new PrintWriter(java.io.Writer.nullWriter())).execute("status", id, "--bootstrap-servers",
            service.bootstrapServers());
      } finally {
        System.setOut(previous);
      }
      status = out.toString(StandardCharsets.UTF_8);
    }
    return status;
  }

  private static String run(String... args) {
    return run(0, args);
  }

  /** Runs a command that must exit with {@code expectedCode}; its standard output and error, together. */
  private static String run(int expectedCode, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintWriter both = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true);
    PrintStream previous = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      int code = MentorMain.commandLine().setErr(both).execute(args);
      both.flush();
      assertThat(code).as("exit code of mentor %s: %s", String.join(" ", args), out.toString(StandardCharsets.UTF_8)).isEqualTo(expectedCode);
    } finally {
      System.setOut(previous);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void submitThenFollowStatusUntilFinished() throws Exception {
    Path spec = state.resolve("cli-job.yaml");
    Files.writeString(spec, """
        name: cli-job
        seeds: [1]
        data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 20}
        tasks:
          t: {classes: [0, 1, 2]}
        arms:
          - {name: a, task: t, model: {type: mlp, widths: [8]}, epochs: 2}
        """);
    assertThat(run("submit", spec.toString(), "--bootstrap-servers", service.bootstrapServers())).contains("submitted cli-job (1 runs)");
    String status = awaitStatus("cli-job", "finished: 1 runs");
    assertThat(status).contains("queued", "started", "== a seed 1, ", "a seed 1 epoch 2 (train)", "== a seed 1 finished", "finished: 1 runs");
    assertThat(run("status", "--bootstrap-servers", service.bootstrapServers())).contains("cli-job: finished");
    // An ended experiment or an unknown id: one line on standard error, exit 1, nothing sent.
    assertThat(run(1, "cancel", "cli-job", "--bootstrap-servers", service.bootstrapServers()))
        .isEqualToIgnoringNewLines("mentor: experiment 'cli-job' has already ended (finished); nothing to cancel"
            + "(set MENTOR_DEBUG=1 for the stack trace)");
    assertThat(run(1, "pause", "no-such-id", "--bootstrap-servers", service.bootstrapServers()))
        .startsWith("mentor: no experiment 'no-such-id' is known to the service").doesNotContain("\tat ");
  }

  @Test
  void controlReachesARunningExperiment_andSubmitRefusesAnOversizedFileInOneLine() throws Exception {
    Path spec = state.resolve("long-job.yaml");
    Files.writeString(spec, """
        name: long-job
        seeds: [1]
        data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 20}
        tasks:
          t: {classes: [0, 1, 2]}
        arms:
          - {name: a, task: t, model: {type: mlp, widths: [8]}, epochs: 5000}
        """);
    run("submit", spec.toString(), "--bootstrap-servers", service.bootstrapServers());
    awaitStatus("long-job", "epochs planned");
    assertThat(run("cancel", "long-job", "--bootstrap-servers", service.bootstrapServers())).contains("cancel requested for long-job");
    assertThat(awaitStatus("long-job", "cancelled:")).contains("cancelled:");

    Path huge = state.resolve("huge.yaml");
    Files.writeString(huge, "name: huge\n# " + "x".repeat(5 * 1024 * 1024) + "\n");
    String refused = run(2, "submit", huge.toString(), "--bootstrap-servers", service.bootstrapServers());
    assertThat(refused.strip().lines()).hasSize(1);
    assertThat(refused).startsWith("invalid experiment: ").contains("262144 bytes");

    // The service reads a job without its file: a relative path is refused before anything is sent.
    Path relative = state.resolve("relative.yaml");
    Files.writeString(relative, """
        name: relative-job
        seeds: [1]
        data: {source: idx, path: my-data}
        tasks:
          t: {classes: [0, 1, 2]}
        arms:
          - {name: a, task: t, model: {type: mlp, widths: [8]}}
        """);
    assertThat(run(2, "submit", relative.toString(), "--bootstrap-servers", service.bootstrapServers()))
        .startsWith("invalid experiment: data.path: is relative ('my-data')").doesNotContain("submitted");
  }

  @Test
  void clientSettingsComeFromAPropertiesFile() throws Exception {
    Path config = state.resolve("client.properties");
    Files.writeString(config, "client.id=mentor-cli-test\nsecurity.protocol=PLAINTEXT\nmentor.history.url=jdbc:postgresql://db/mentor\n"
        + "mentor.history.user=mentor\n");
    ServiceCommands.Connection connection = new ServiceCommands.Connection();
    connection.bootstrapServers = service.bootstrapServers();
    connection.clientConfig = config;
    assertThat(connection.clientProperties()).containsEntry("client.id", "mentor-cli-test").containsEntry("security.protocol", "PLAINTEXT")
        .containsEntry("bootstrap.servers", service.bootstrapServers())
        .as("the history's keys are not the Kafka clients'").doesNotContainKeys("mentor.history.url", "mentor.history.user");
    assertThat(connection.historyConfig()).containsOnly(Map.entry("mentor.history.url", "jdbc:postgresql://db/mentor"),
        Map.entry("mentor.history.user", "mentor"));
  }
}
