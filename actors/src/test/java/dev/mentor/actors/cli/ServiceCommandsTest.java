package dev.mentor.actors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.actors.ServiceFixture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

  private static String run(String... args) {
    PrintStream previous = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      int code = MentorMain.commandLine().execute(args);
      assertThat(code).as("exit code of mentor %s", String.join(" ", args)).isZero();
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
    String status = "";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!status.contains("finished:") && System.nanoTime() < deadline) {
      Thread.sleep(300);
      status = run("status", "cli-job", "--bootstrap-servers", service.bootstrapServers());
    }
    assertThat(status).contains("queued", "started", "run-started a seed 1", "epoch a seed 1 epoch 2", "run-finished a seed 1", "finished: 1 runs");
    assertThat(run("status", "--bootstrap-servers", service.bootstrapServers())).contains("cli-job: finished");
    assertThat(run("cancel", "cli-job", "--bootstrap-servers", service.bootstrapServers())).contains("cancel requested for cli-job");
  }

  @Test
  void clientSettingsComeFromAPropertiesFile() throws Exception {
    Path config = state.resolve("client.properties");
    Files.writeString(config, "client.id=mentor-cli-test\nsecurity.protocol=PLAINTEXT\n");
    ServiceCommands.Connection connection = new ServiceCommands.Connection();
    connection.bootstrapServers = service.bootstrapServers();
    connection.clientConfig = config;
    assertThat(connection.clientProperties()).containsEntry("client.id", "mentor-cli-test").containsEntry("security.protocol", "PLAINTEXT")
        .containsEntry("bootstrap.servers", service.bootstrapServers());
  }
}
