package dev.mentor.actors;

import dev.mentor.training.files.AtomicFiles;
import dev.mentor.training.history.HistoryLocation;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A throwaway PostgreSQL server for tests: Debian's {@code postgresql} binaries, a cluster made
 * with {@code initdb} in a temporary folder, listening on loopback only (TCP, no socket file) at a
 * free port, user {@code mentor} trusted. PostgreSQL refuses to run as root, so under root (CI) the
 * cluster belongs to, and the server runs as, the unprivileged {@code nobody}. Where the binaries
 * are missing the test is skipped, unless {@code MENTOR_REQUIRE_TOOLS=1} (CI installs them): then it fails.
 */
final class PostgresServer implements AutoCloseable {
  static final String USER = "mentor";
  private static final String UNPRIVILEGED = "nobody";

  private final Path bin;
  private final Path base;
  private final int port;
  private final boolean root;

  private PostgresServer(Path bin, Path base, int port, boolean root) {
    this.bin = bin;
    this.base = base;
    this.port = port;
    this.root = root;
  }

  /** Starts a new cluster, or skips (fails under MENTOR_REQUIRE_TOOLS=1) when PostgreSQL is not installed. */
  static PostgresServer start() throws IOException, InterruptedException {
    Path bin = binaries().orElse(null);
    if (bin == null) {
      String why = "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; Debian package: apt-get install --no-install-recommends postgresql)";
      if ("1".equals(System.getenv("MENTOR_REQUIRE_TOOLS"))) {
        throw new AssertionError(why);
      }
      Assumptions.abort(why);
    }
    boolean root = "root".equals(System.getProperty("user.name"));
    Path base = Files.createTempDirectory("mentor-postgres-");
    // The unprivileged server must reach its folder: open the way to it, and give it the data folder.
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path data = Files.createDirectory(base.resolve("data"));
    if (root) {
      Files.setOwner(data, data.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(UNPRIVILEGED));
    }
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    PostgresServer server = new PostgresServer(bin, base, port, root);
    try {
      server.run("initdb", "-D", data.toString(), "-U", USER, "-A", "trust", "-E", "UTF8", "--no-sync");
      server.run("pg_ctl", "-D", data.toString(), "-l", data.resolve("server.log").toString(), "-w", "-t", "60", "-o",
          "-c listen_addresses=127.0.0.1 -p " + port + " -c unix_socket_directories='' -c fsync=off -c max_connections=40", "start");
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** The newest installed version's binaries. */
  private static Optional<Path> binaries() throws IOException {
    Path versions = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(versions)) {
      return Optional.empty();
    }
    try (var list = Files.list(versions)) {
      return list.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
          .max(Comparator.comparing(b -> versionOf(b.getParent().getFileName().toString())));
    }
  }

  private static int versionOf(String name) {
    try {
      return Integer.parseInt(name);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The loopback port the server listens on. */
  int port() {
    return port;
  }

  /** A program of the installed PostgreSQL ({@code psql}, ...). */
  Path program(String name) {
    return bin.resolve(name);
  }

  /** A new, empty database {@code name} on this server (a test of its own), as a history location. */
  HistoryLocation database(String name) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", USER, null);
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    return new HistoryLocation("jdbc:postgresql://127.0.0.1:" + port + "/" + name, USER, null);
  }

  private void run(String program, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    if (root) {
      command.addAll(List.of("runuser", "-u", UNPRIVILEGED, "--"));
    }
    command.add(bin.resolve(program).toString());
    command.addAll(Arrays.asList(args));
    Process process = new ProcessBuilder(command).directory(base.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(90, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException(program + " did not end in 90 s");
    }
    if (process.exitValue() != 0) {
      Path log = base.resolve("data/server.log");
      throw new IOException(program + " failed (" + process.exitValue() + "): " + output + (Files.exists(log) ? Files.readString(log) : ""));
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    try {
      if (Files.exists(base.resolve("data/postmaster.pid"))) {
        run("pg_ctl", "-D", base.resolve("data").toString(), "-m", "immediate", "-w", "stop");
      }
    } finally {
      AtomicFiles.deleteTree(base);
    }
  }
}
