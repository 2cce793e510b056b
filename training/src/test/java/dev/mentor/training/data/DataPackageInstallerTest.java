package dev.mentor.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mentor.training.data.DataPackageInstaller.Finished;
import dev.mentor.training.data.DataPackageInstaller.Mode;
import dev.mentor.training.data.DataPackageInstaller.Plan;
import dev.mentor.training.data.DataPackageInstaller.Sudo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class DataPackageInstallerTest {
  private static final Supplier<Sudo> SUDO_MUST_NOT_BE_PROBED = () -> {
    throw new AssertionError("sudo was probed although the decision did not need it");
  };
  private static final List<String> INSTALL_AS_ROOT = List.of(
      "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq", "--no-install-recommends", "dataset-fashion-mnist");
  private static final List<String> UPDATE_AS_ROOT = List.of("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "update", "-qq");
  private static final Plan AS_ROOT = new Plan(Mode.AS_ROOT, "running as root");

  /** Answers each command with the next scripted result and records what it was asked to run. */
  private static final class ScriptedRunner implements DataPackageInstaller.CommandRunner {
    final List<List<String>> ran = new ArrayList<>();
    private final Deque<Finished> answers;

    ScriptedRunner(Finished... answers) {
      this.answers = new ArrayDeque<>(List.of(answers));
    }

    @Override
    public Finished run(List<String> command) {
      ran.add(command);
      if (answers.isEmpty()) {
        throw new AssertionError("unexpected command " + command);
      }
      return answers.removeFirst();
    }
  }

  private final List<String> notices = new ArrayList<>();

  @Test
  void decide_rootOnDebianWithAptGet_installsAsRootWithoutProbingSudo() {
    Plan plan = DataPackageInstaller.decide("Linux", true, true, 0, SUDO_MUST_NOT_BE_PROBED, null);

    assertThat(plan.mode()).isEqualTo(Mode.AS_ROOT);
  }

  @Test
  void decide_nonRootWherePasswordlessSudoWorks_installsWithSudo() {
    Plan plan = DataPackageInstaller.decide("Linux", true, true, 1000, () -> Sudo.WORKS, null);

    assertThat(plan.mode()).isEqualTo(Mode.WITH_SUDO);
    assertThat(plan.aptGet("update", "-qq"))
        .containsExactly("sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "update", "-qq");
  }

  @Test
  void decide_nonRootWhereSudoNeedsAPassword_doesNotInstallAndSaysSo() {
    Plan plan = DataPackageInstaller.decide("Linux", true, true, 1000, () -> Sudo.NEEDS_PASSWORD, null);

    assertThat(plan).isEqualTo(new Plan(Mode.NOT_ATTEMPTED, "not root and sudo needs a password"));
  }

  @Test
  void decide_nonRootWithoutSudo_doesNotInstallAndSaysSo() {
    Plan plan = DataPackageInstaller.decide("Linux", true, true, 1000, () -> Sudo.NOT_INSTALLED, null);

    assertThat(plan).isEqualTo(new Plan(Mode.NOT_ATTEMPTED, "not root and sudo is not installed"));
  }

  @Test
  void decide_unknownUserId_isTreatedAsNotRoot() {
    Plan plan = DataPackageInstaller.decide("Linux", true, true, -1, () -> Sudo.NEEDS_PASSWORD, null);

    assertThat(plan.mode()).isEqualTo(Mode.NOT_ATTEMPTED);
  }

  @Test
  void decide_linuxWithoutDebianMarker_doesNotInstallAndSaysSo() {
    Plan plan = DataPackageInstaller.decide("Linux", false, true, 0, SUDO_MUST_NOT_BE_PROBED, null);

    assertThat(plan).isEqualTo(new Plan(Mode.NOT_ATTEMPTED, "not Debian or Ubuntu (no /etc/debian_version)"));
  }

  @Test
  void decide_notLinux_doesNotInstallAndNamesTheSystem() {
    Plan plan = DataPackageInstaller.decide("Mac OS X", true, true, 0, SUDO_MUST_NOT_BE_PROBED, null);

    assertThat(plan).isEqualTo(new Plan(Mode.NOT_ATTEMPTED, "not Linux (os.name Mac OS X)"));
  }

  @Test
  void decide_noAptGetOnPath_doesNotInstallAndSaysSo() {
    Plan plan = DataPackageInstaller.decide("Linux", true, false, 0, SUDO_MUST_NOT_BE_PROBED, null);

    assertThat(plan).isEqualTo(new Plan(Mode.NOT_ATTEMPTED, "apt-get not found on PATH"));
  }

  @Test
  void decide_userOptedOut_doesNotInstallEvenAsRootAndNamesTheOptOut() {
    Plan plan = DataPackageInstaller.decide("Linux", true, true, 0, SUDO_MUST_NOT_BE_PROBED, "--no-install");

    assertThat(plan).isEqualTo(new Plan(Mode.NOT_ATTEMPTED, "turned off by --no-install"));
  }

  @Test
  void optOut_readsTheFlagAndTheEnvironmentVariable() {
    assertThat(DataPackageInstaller.optOut(Map.of("mentor.data.install", "false"))).isEqualTo("--no-install");
    assertThat(DataPackageInstaller.optOut(Map.of("mentor.data.install", "true", "MENTOR_NO_INSTALL", "1")))
        .isEqualTo("MENTOR_NO_INSTALL=1");
    assertThat(DataPackageInstaller.optOut(Map.of("MENTOR_NO_INSTALL", "TRUE"))).isEqualTo("MENTOR_NO_INSTALL=TRUE");
    assertThat(DataPackageInstaller.optOut(Map.of("mentor.data.install", "true", "MENTOR_NO_INSTALL", "0"))).isNull();
    assertThat(DataPackageInstaller.optOut(Map.of())).isNull();
  }

  @Test
  void offered_onlyWhenTheCommandLineSetItsSwitch() {
    assertThat(DataPackageInstaller.offered(Map.of())).isFalse();
    assertThat(DataPackageInstaller.offered(Map.of("MENTOR_NO_INSTALL", "0"))).isFalse();
    assertThat(DataPackageInstaller.offered(Map.of("mentor.data.install", "true"))).isTrue();
    assertThat(DataPackageInstaller.offered(Map.of("mentor.data.install", "false"))).isTrue();
  }

  @Test
  void install_succeedingAtOnce_runsOneNonInteractiveInstallAndAnnouncesItInOneLine() {
    ScriptedRunner runner = new ScriptedRunner(new Finished(0, ""));

    var outcome = new DataPackageInstaller(runner, notices::add).install(AS_ROOT);

    assertThat(outcome.succeeded()).isTrue();
    assertThat(runner.ran).containsExactly(INSTALL_AS_ROOT);
    assertThat(notices).containsExactly("mentor: Fashion-MNIST not found; installing Debian's dataset-fashion-mnist (apt-get)"
        + " — --no-install or MENTOR_NO_INSTALL=1 turns this off");
  }

  @Test
  void install_failingFirst_updatesThePackageListsOnceAndInstallsAgain() {
    ScriptedRunner runner = new ScriptedRunner(
        new Finished(100, "E: Unable to locate package dataset-fashion-mnist"), new Finished(0, ""), new Finished(0, ""));

    var outcome = new DataPackageInstaller(runner, notices::add).install(AS_ROOT);

    assertThat(outcome.succeeded()).isTrue();
    assertThat(runner.ran).containsExactly(INSTALL_AS_ROOT, UPDATE_AS_ROOT, INSTALL_AS_ROOT);
  }

  @Test
  void install_failingAfterUpdate_reportsExitCodeAndAptsLastLine() {
    ScriptedRunner runner = new ScriptedRunner(new Finished(100, "E: Unable to locate package dataset-fashion-mnist"),
        new Finished(0, ""), new Finished(100, "E: Unable to locate package dataset-fashion-mnist"));

    var outcome = new DataPackageInstaller(runner, notices::add).install(AS_ROOT);

    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.account()).isEqualTo("tried apt-get install dataset-fashion-mnist: failed, even after apt-get update -qq,"
        + " with exit code 100: E: Unable to locate package dataset-fashion-mnist");
  }

  @Test
  void install_whoseUpdateFails_reportsBothFailures() {
    ScriptedRunner runner = new ScriptedRunner(new Finished(100, "E: Unable to locate package dataset-fashion-mnist"),
        new Finished(100, "E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease"));

    var outcome = new DataPackageInstaller(runner, notices::add).install(AS_ROOT);

    assertThat(outcome.account())
        .contains("install failed with exit code 100: E: Unable to locate package dataset-fashion-mnist")
        .contains("apt-get update -qq then failed with exit code 100: E: Failed to fetch");
  }

  @Test
  void install_thatCannotStartTheCommand_saysWhyWithoutNull() {
    DataPackageInstaller.CommandRunner broken = command -> {
      throw new IOException(null, new IOException("error=2, No such file or directory"));
    };

    var outcome = new DataPackageInstaller(broken, notices::add).install(new Plan(Mode.WITH_SUDO, "not root; sudo -n works"));

    assertThat(outcome.account())
        .isEqualTo("tried sudo -n apt-get install dataset-fashion-mnist: could not start it:"
            + " IOException, caused by IOException: error=2, No such file or directory")
        .doesNotContain("null");
  }

  @Test
  void install_askedAgain_reusesTheFirstAttemptWithoutRunningOrAnnouncingAgain() {
    ScriptedRunner runner = new ScriptedRunner(new Finished(1, "E: dpkg was interrupted"), new Finished(1, "E: dpkg was interrupted"));
    DataPackageInstaller installer = new DataPackageInstaller(runner, notices::add);

    var first = installer.install(AS_ROOT);
    var second = installer.install(AS_ROOT);

    assertThat(second).isEqualTo(first);
    assertThat(runner.ran).hasSize(2);
    assertThat(notices).hasSize(1);
  }

  @Test
  void install_notAttemptedPlan_runsNothingAndGivesTheReason() {
    ScriptedRunner runner = new ScriptedRunner();

    var outcome = new DataPackageInstaller(runner, notices::add)
        .install(new Plan(Mode.NOT_ATTEMPTED, "not root and sudo needs a password"));

    assertThat(outcome.account()).isEqualTo("not attempted: not root and sudo needs a password");
    assertThat(runner.ran).isEmpty();
    assertThat(notices).isEmpty();
  }

  @Test
  void effectiveUid_onLinux_isWhatIdSays() throws Exception {
    assumeTrue(System.getProperty("os.name").startsWith("Linux"), "reads /proc/self/status");
    Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
    String expected = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(id.waitFor()).isZero();

    assertThat(DataPackageInstaller.effectiveUid()).isEqualTo(Integer.parseInt(expected));
  }
}
