package dev.mentor.training.data;

import dev.mentor.training.data.FashionMnistLocator.Installer;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs Debian's {@code dataset-fashion-mnist} package when the {@code mentor} command line
 * finds Fashion-MNIST nowhere, so a fresh Debian or Ubuntu machine needs no setup step. Whether to
 * install is decided by {@link #decide} from plain facts about the machine (operating system,
 * Debian marker, {@code apt-get}, user id, whether {@code sudo -n} works, the user's opt-out), so
 * every case is testable without the machine; carrying the plan out goes through an injected
 * {@link CommandRunner}, and the command line's attempt is made at most once per process. A
 * library that embeds the training module never installs anything: only the command line turns
 * this on, through {@link #offerFromCommandLine}.
 */
public final class DataPackageInstaller {
  static final String PACKAGE = "dataset-fashion-mnist";
  /** Set by the command line: {@code true} offers the install, {@code false} is {@code --no-install}; unset, nothing is installed. */
  static final String COMMAND_LINE_SETTING = "mentor.data.install";
  static final String NO_INSTALL_SETTING = "MENTOR_NO_INSTALL";
  static final Path DEBIAN_MARKER = Path.of("/etc/debian_version");
  static final String NOTICE_OPT_OUT = "--no-install or " + NO_INSTALL_SETTING + "=1 turns this off";

  private static final Logger LOG = LoggerFactory.getLogger(DataPackageInstaller.class);
  /** The command line's installer: one per process, so the package is installed (and announced) at most once. */
  private static final DataPackageInstaller THIS_PROCESS = new DataPackageInstaller(DataPackageInstaller::runLogged, System.err::println);

  /** How the package gets installed, if at all. */
  enum Mode { AS_ROOT, WITH_SUDO, NOT_ATTEMPTED }

  /** Whether non-interactive {@code sudo} can run commands for this user. */
  enum Sudo { WORKS, NEEDS_PASSWORD, NOT_INSTALLED }

  /** What to do, and why (for {@link Mode#NOT_ATTEMPTED}, the reason a researcher reads). */
  record Plan(Mode mode, String reason) {
    /** {@code apt-get} with {@code arguments}, run as root, through {@code sudo -n} if need be, never asking questions. */
    List<String> aptGet(String... arguments) {
      List<String> command = new ArrayList<>();
      if (mode == Mode.WITH_SUDO) {
        command.addAll(List.of("sudo", "-n"));
      }
      // env, not the child's environment: sudo would reset that.
      command.addAll(List.of("env", "DEBIAN_FRONTEND=noninteractive", "apt-get"));
      command.addAll(List.of(arguments));
      return command;
    }
  }

  /** Runs a command to its end with standard error merged into standard output. */
  interface CommandRunner {
    Finished run(List<String> command) throws IOException;
  }

  /** A command's exit code and its last non-blank line of output. */
  record Finished(int exitCode, String lastLine) {
    boolean succeeded() {
      return exitCode == 0;
    }

    String describe() {
      return "exit code " + exitCode + (lastLine.isBlank() ? " (no output)" : ": " + lastLine);
    }
  }

  private final CommandRunner runner;
  private final Consumer<String> notice;
  private Installer.Outcome attempt;

  DataPackageInstaller(CommandRunner runner, Consumer<String> notice) {
    this.runner = runner;
    this.notice = notice;
  }

  /**
   * Called by the {@code mentor} command line before anything loads data: a search that finds
   * Fashion-MNIST nowhere may then install the package, unless {@code turnedOff} ({@code --no-install}).
   */
  public static void offerFromCommandLine(boolean turnedOff) {
    System.setProperty(COMMAND_LINE_SETTING, Boolean.toString(!turnedOff));
  }

  /** Whether the command line offered the install (a library never does), whatever the user's opt-out. */
  static boolean offered(Map<String, String> settings) {
    String value = settings.get(COMMAND_LINE_SETTING);
    return value != null && !value.isBlank();
  }

  /** The user's opt-out as they wrote it ({@code --no-install} or {@code MENTOR_NO_INSTALL=1}), or null when there is none. */
  static String optOut(Map<String, String> settings) {
    if ("false".equalsIgnoreCase(settings.get(COMMAND_LINE_SETTING))) {
      return "--no-install";
    }
    String noInstall = settings.get(NO_INSTALL_SETTING);
    if ("1".equals(noInstall) || "true".equalsIgnoreCase(noInstall)) {
      return NO_INSTALL_SETTING + "=" + noInstall;
    }
    return null;
  }

  /**
   * What to do on a machine with these facts. {@code uid} is the effective user id, negative when
   * unknown; {@code sudo} is asked only when nothing else rules the install out and the user is not
   * root, since probing it runs a command. {@code optOut} is null unless the user turned installing off.
   */
  static Plan decide(String osName, boolean debianMarker, boolean aptGetOnPath, int uid, Supplier<Sudo> sudo, String optOut) {
    if (optOut != null) {
      return new Plan(Mode.NOT_ATTEMPTED, "turned off by " + optOut);
    }
    if (osName == null || !osName.startsWith("Linux")) {
      return new Plan(Mode.NOT_ATTEMPTED, "not Linux (os.name " + (osName == null ? "unset" : osName) + ")");
    }
    if (!debianMarker) {
      return new Plan(Mode.NOT_ATTEMPTED, "not Debian or Ubuntu (no " + DEBIAN_MARKER + ")");
    }
    if (!aptGetOnPath) {
      return new Plan(Mode.NOT_ATTEMPTED, "apt-get not found on PATH");
    }
    if (uid == 0) {
      return new Plan(Mode.AS_ROOT, "running as root");
    }
    return switch (sudo.get()) {
      case WORKS -> new Plan(Mode.WITH_SUDO, "not root; sudo -n works");
      case NEEDS_PASSWORD -> new Plan(Mode.NOT_ATTEMPTED, "not root and sudo needs a password");
      case NOT_INSTALLED -> new Plan(Mode.NOT_ATTEMPTED, "not root and sudo is not installed");
    };
  }

  /** The installer the command line uses: this machine's facts decide, and this process installs at most once. */
  static Installer forThisProcess(String optOut) {
    return () -> THIS_PROCESS.install(planForThisMachine(optOut));
  }

  /**
   * Carries {@code plan} out, at most once for this installer, whichever thread (validation, a
   * service's trainer) asks first; later callers wait for that attempt and get its outcome.
   */
  synchronized Installer.Outcome install(Plan plan) {
    if (plan.mode() == Mode.NOT_ATTEMPTED) {
      return Installer.Outcome.notAttempted(plan.reason());
    }
    if (attempt == null) {
      attempt = carryOut(plan);
    }
    return attempt;
  }

  /** One install, and if it fails, {@code apt-get update} and one more install. */
  private Installer.Outcome carryOut(Plan plan) {
    String how = plan.mode() == Mode.WITH_SUDO ? "sudo -n apt-get" : "apt-get";
    notice.accept("mentor: Fashion-MNIST not found; installing Debian's " + PACKAGE + " (" + how + ") — " + NOTICE_OPT_OUT);
    String tried = "tried " + how + " install " + PACKAGE + ": ";
    try {
      Finished first = runner.run(plan.aptGet("install", "-y", "-qq", "--no-install-recommends", PACKAGE));
      if (first.succeeded()) {
        return Installer.Outcome.success();
      }
      // Most often the package lists are missing or stale (a fresh container has none): refresh them once.
      Finished update = runner.run(plan.aptGet("update", "-qq"));
      if (!update.succeeded()) {
        return Installer.Outcome.failed(tried + "install failed with " + first.describe()
            + "; apt-get update -qq then failed with " + update.describe());
      }
      Finished second = runner.run(plan.aptGet("install", "-y", "-qq", "--no-install-recommends", PACKAGE));
      if (second.succeeded()) {
        return Installer.Outcome.success();
      }
      return Installer.Outcome.failed(tried + "failed, even after apt-get update -qq, with " + second.describe());
    } catch (IOException e) {
      return Installer.Outcome.failed(tried + "could not start it: " + FashionMnistLocator.describe(e));
    }
  }

  private static Plan planForThisMachine(String optOut) {
    return decide(System.getProperty("os.name"), Files.exists(DEBIAN_MARKER), onPath("apt-get"), effectiveUid(),
        DataPackageInstaller::probeSudo, optOut);
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  /** The effective user id from {@code /proc/self/status} ({@code Uid: real effective saved fs}); -1 where that cannot be read. */
  static int effectiveUid() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return Integer.parseInt(line.substring("Uid:".length()).trim().split("\\s+")[1]);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("Cannot read the user id from /proc/self/status", e);
    }
    return -1;
  }

  private static Sudo probeSudo() {
    if (!onPath("sudo")) {
      return Sudo.NOT_INSTALLED;
    }
    try {
      Process probe = new ProcessBuilder("sudo", "-n", "true")
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      if (!probe.waitFor(10, TimeUnit.SECONDS)) {
        probe.destroyForcibly();
        return Sudo.NEEDS_PASSWORD;
      }
      return probe.exitValue() == 0 ? Sudo.WORKS : Sudo.NEEDS_PASSWORD;
    } catch (IOException e) {
      return Sudo.NOT_INSTALLED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Sudo.NEEDS_PASSWORD;
    }
  }

  /** Runs {@code command} with no terminal input; its output goes to the log line by line, not to the terminal. */
  private static Finished runLogged(List<String> command) throws IOException {
    LOG.info("Running {}", String.join(" ", command));
    Process process = new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true)
        .start();
    String last = "";
    try (BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = output.readLine(); line != null; line = output.readLine()) {
        LOG.info("apt: {}", line);
        if (!line.isBlank()) {
          last = line.strip();
        }
      }
    }
    try {
      return new Finished(process.waitFor(), last);
    } catch (InterruptedException e) {
      process.destroy();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while running " + String.join(" ", command));
    }
  }
}
