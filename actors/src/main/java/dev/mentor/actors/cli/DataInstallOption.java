package dev.mentor.actors.cli;

import dev.mentor.training.data.DataPackageInstaller;
import picocli.CommandLine.Option;

/**
 * The {@code --no-install} option of the commands that load data ({@code run}, {@code validate}).
 * Without it, a command that finds Fashion-MNIST nowhere installs Debian's
 * {@code dataset-fashion-mnist} package where the machine allows it; {@link #apply} must run
 * before anything loads data. Only the command line switches this on: a library never installs.
 */
public final class DataInstallOption {
  @Option(names = "--no-install",
      description = "if Fashion-MNIST is missing, do not install Debian's dataset-fashion-mnist package (also MENTOR_NO_INSTALL=1)")
  boolean noInstall;

  /** Lets this process install the data package when it finds no data, unless {@code --no-install} was given. */
  public void apply() {
    DataPackageInstaller.offerFromCommandLine(noInstall);
  }
}
