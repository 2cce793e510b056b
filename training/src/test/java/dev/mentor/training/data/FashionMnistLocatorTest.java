package dev.mentor.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mentor.messages.spec.SpecException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FashionMnistLocatorTest {
  private static final FashionMnistLocator.Downloader NO_NETWORK = (source, target) -> {
    throw new AssertionError("test tried to download " + source);
  };
  private static final FashionMnistLocator.Installer NO_INSTALL = () -> {
    throw new AssertionError("test tried to install the data package");
  };
  private static final Map<String, String> OFFLINE = Map.of("MENTOR_OFFLINE", "true");
  private static final Map<String, String> COMMAND_LINE_OFFLINE = Map.of("MENTOR_OFFLINE", "true", "mentor.data.install", "true");
  private static final String REMOTE = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

  @TempDir Path tmp;

  private Path folderWithData(String name) throws IOException {
    return TestImages.writeIdxFolder(Files.createDirectories(tmp.resolve(name)), 4, 2, 2, 2);
  }

  private FashionMnistLocator locator(Map<String, String> settings, Path debian, FashionMnistLocator.Downloader downloader) {
    return locator(settings, debian, downloader, NO_INSTALL);
  }

  private FashionMnistLocator locator(Map<String, String> settings, Path debian, FashionMnistLocator.Downloader downloader,
      FashionMnistLocator.Installer installer) {
    return new FashionMnistLocator(settings, debian, tmp.resolve("cache"), downloader, installer);
  }

  /** A fake package install that puts the files into {@code debian}, and counts its calls in {@code calls}. */
  private FashionMnistLocator.Installer installingInto(Path debian, List<String> calls) {
    return () -> {
      calls.add("install");
      TestImages.writeIdxFolder(debian, 4, 2, 2, 2);
      return FashionMnistLocator.Installer.Outcome.success();
    };
  }

  @Test
  void locate_specPathHoldingFiles_winsOverEnvironmentAndDebian() throws IOException {
    Path spec = folderWithData("spec");
    Path env = folderWithData("env");
    Path debian = folderWithData("debian");

    Path found = locator(Map.of("MENTOR_DATA_DIR", env.toString(), "MENTOR_OFFLINE", "true"), debian, NO_NETWORK)
        .locate(spec.toString());

    assertThat(found).isEqualTo(spec);
  }

  @Test
  void locate_noSpecPath_environmentWinsOverDebian() throws IOException {
    Path env = folderWithData("env");
    Path debian = folderWithData("debian");

    Path found = locator(Map.of("MENTOR_DATA_DIR", env.toString(), "MENTOR_OFFLINE", "true"), debian, NO_NETWORK)
        .locate(null);

    assertThat(found).isEqualTo(env);
  }

  @Test
  void locate_environmentUnset_usesDebianFolder() throws IOException {
    Path debian = folderWithData("debian");

    assertThat(locator(OFFLINE, debian, NO_NETWORK).locate(null)).isEqualTo(debian);
  }

  @Test
  void locate_specPathLackingFiles_isRefusedEvenWhenAnotherCopyExists() throws IOException {
    Path emptySpec = Files.createDirectories(tmp.resolve("empty"));
    Path debian = folderWithData("debian");

    assertThatThrownBy(() -> locator(OFFLINE, debian, NO_NETWORK).locate(emptySpec.toString()))
        .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.field()).isEqualTo("data.path"))
        .hasMessageContaining(emptySpec + ": lacks train-images-idx3-ubyte.gz")
        .hasMessageContaining("it holds nothing");
  }

  @Test
  void locate_filledCacheUnderMentorCacheDir_isUsedWithoutDownloading() throws IOException {
    Path cacheRoot = tmp.resolve("my-cache");
    TestImages.writeIdxFolder(Files.createDirectories(cacheRoot.resolve("fashion-mnist")), 4, 2, 2, 2);

    Path found = locator(Map.of("MENTOR_CACHE_DIR", cacheRoot.toString()), tmp.resolve("no-debian"), NO_NETWORK)
        .locate(null);

    assertThat(found).isEqualTo(cacheRoot.resolve("fashion-mnist"));
  }

  @Test
  void locate_nothingFoundOffline_failsWithEveryPlaceSearchedAndHowToGetTheData() throws IOException {
    assertThatThrownBy(() -> locator(OFFLINE, tmp.resolve("no-debian"), NO_NETWORK).locate(null))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("$MENTOR_DATA_DIR: not set")
        .hasMessageContaining(tmp.resolve("no-debian") + ": no such folder")
        .hasMessageContaining("skipped because MENTOR_OFFLINE=true")
        .hasMessageContaining("apt-get install dataset-fashion-mnist")
        .hasMessageContaining("set MENTOR_DATA_DIR to a folder holding the four files")
        .hasMessageContaining("set data.path in the experiment spec");
  }

  @Test
  void locate_onlineWithEmptyCache_downloadsEachFileFromCanonicalLocationIntoCache() throws IOException {
    Path source = folderWithData("remote");
    List<URI> requested = new ArrayList<>();
    FashionMnistLocator.Downloader fake = (uri, target) -> {
      requested.add(uri);
      String name = Path.of(uri.getPath()).getFileName().toString();
      Files.copy(source.resolve(name), target, StandardCopyOption.REPLACE_EXISTING);
    };

    Path found = locator(Map.of(), tmp.resolve("no-debian"), fake).locate(null);

    assertThat(found).isEqualTo(tmp.resolve("cache"));
    assertThat(requested).containsExactly(
        URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz"),
        URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-labels-idx1-ubyte.gz"),
        URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-images-idx3-ubyte.gz"),
        URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz"));
    assertThat(IdxLayout.in(found)).isNotNull();
    try (Stream<Path> files = Files.list(found)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(name -> name.endsWith(".part"));
    }
  }

  @Test
  void locate_failedDownload_leavesNoPartialFileAndReportsTheFailure() throws IOException {
    FashionMnistLocator.Downloader failing = (uri, target) -> {
      Files.write(target, new byte[] {1, 2, 3});
      throw new IOException("connect timed out");
    };

    assertThatThrownBy(() -> locator(Map.of(), tmp.resolve("no-debian"), failing).locate(null))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("failed: IOException: connect timed out");
    try (Stream<Path> files = Files.list(tmp.resolve("cache"))) {
      assertThat(files).isEmpty();
    }
  }

  private static <T extends Throwable> T withCause(T failure, Throwable cause) {
    failure.initCause(cause);
    return failure;
  }

  static Stream<Arguments> downloadFailures() {
    return Stream.of(
        Arguments.of(new UnknownHostException("fashion-mnist.s3-website.eu-central-1.amazonaws.com"),
            "no network or no DNS: cannot resolve the host fashion-mnist.s3-website.eu-central-1.amazonaws.com (UnknownHostException)"),
        // How java.net.http reports an unknown host: message-less ConnectExceptions around an UnresolvedAddressException.
        Arguments.of(withCause(new ConnectException(), withCause(new ConnectException(), new UnresolvedAddressException())),
            "no network or no DNS: cannot resolve the host fashion-mnist.s3-website.eu-central-1.amazonaws.com"
                + " (UnresolvedAddressException)"),
        // ... and a refused connection: no message at all.
        Arguments.of(withCause(new ConnectException(), new ClosedChannelException()),
            "no network, or a firewall: the connection to fashion-mnist.s3-website.eu-central-1.amazonaws.com was refused or"
                + " could not be made (ConnectException)"),
        Arguments.of(new ConnectException("Connection refused"),
            "was refused or could not be made (ConnectException: Connection refused)"),
        Arguments.of(new HttpConnectTimeoutException("HTTP connect timed out"),
            "no network, or a firewall: connecting to fashion-mnist.s3-website.eu-central-1.amazonaws.com timed out after 10 s"
                + " (HttpConnectTimeoutException)"),
        Arguments.of(new HttpTimeoutException("request timed out"),
            "no answer from fashion-mnist.s3-website.eu-central-1.amazonaws.com within 10 min (HttpTimeoutException)"),
        Arguments.of(new FashionMnistLocator.HttpStatusException(403, URI.create(REMOTE + "train-images-idx3-ubyte.gz")),
            "the server answered HTTP 403 for " + REMOTE + "train-images-idx3-ubyte.gz"),
        Arguments.of(new IOException(null, new java.util.zip.ZipException("invalid stored block lengths")),
            "IOException, caused by ZipException: invalid stored block lengths"),
        Arguments.of(new java.nio.file.AccessDeniedException(null), "AccessDeniedException (no further detail)"));
  }

  @ParameterizedTest
  @MethodSource("downloadFailures")
  void locate_failedDownload_saysWhyInPlainWordsAndNeverNull(IOException failure, String expected) {
    FashionMnistLocator.Downloader failing = (uri, target) -> {
      throw failure;
    };

    assertThatThrownBy(() -> locator(Map.of(), tmp.resolve("no-debian"), failing).locate(null))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("download from " + REMOTE + ": failed: ")
        .hasMessageContaining(expected)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContainIgnoringCase("null"));
  }

  @Test
  void locate_nothingFoundFromCommandLine_installsBeforeDownloadingAndUsesTheDebianFolder() {
    Path debian = tmp.resolve("debian");
    List<String> calls = new ArrayList<>();

    Path found = locator(Map.of("mentor.data.install", "true"), debian, NO_NETWORK, installingInto(debian, calls)).locate(null);

    assertThat(found).isEqualTo(debian);
    assertThat(calls).containsExactly("install");
  }

  @Test
  void locate_dataInDebianFolderOrCache_neverInstalls() throws IOException {
    Path debian = folderWithData("debian");
    assertThat(locator(COMMAND_LINE_OFFLINE, debian, NO_NETWORK, NO_INSTALL).locate(null)).isEqualTo(debian);

    TestImages.writeIdxFolder(Files.createDirectories(tmp.resolve("cache")), 4, 2, 2, 2);
    assertThat(locator(COMMAND_LINE_OFFLINE, tmp.resolve("no-debian"), NO_NETWORK, NO_INSTALL).locate(null))
        .isEqualTo(tmp.resolve("cache"));
  }

  @Test
  void locate_failedInstall_isReportedAndTheDownloadIsTriedAfterIt() throws IOException {
    Path source = folderWithData("remote");
    List<String> calls = new ArrayList<>();
    FashionMnistLocator.Installer failing = () -> {
      calls.add("install");
      return FashionMnistLocator.Installer.Outcome.failed("tried apt-get install dataset-fashion-mnist: failed with exit code 100");
    };
    FashionMnistLocator.Downloader downloader = (uri, target) -> {
      calls.add("download");
      Files.copy(source.resolve(Path.of(uri.getPath()).getFileName().toString()), target, StandardCopyOption.REPLACE_EXISTING);
    };

    Path found = locator(Map.of("mentor.data.install", "true"), tmp.resolve("no-debian"), downloader, failing).locate(null);

    assertThat(found).isEqualTo(tmp.resolve("cache"));
    assertThat(calls).containsExactly("install", "download", "download", "download", "download");
  }

  @Test
  void locate_failedInstallOffline_putsTheInstallsReasonIntoTheMessage() {
    FashionMnistLocator.Installer failing = () -> FashionMnistLocator.Installer.Outcome.failed(
        "tried apt-get install dataset-fashion-mnist: failed, even after apt-get update -qq, with exit code 100:"
            + " E: Unable to locate package dataset-fashion-mnist");

    assertThatThrownBy(() -> locator(COMMAND_LINE_OFFLINE, tmp.resolve("no-debian"), NO_NETWORK, failing).locate(null))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("automatic install of dataset-fashion-mnist: tried apt-get install dataset-fashion-mnist:"
            + " failed, even after apt-get update -qq, with exit code 100: E: Unable to locate package dataset-fashion-mnist")
        .hasMessageContaining("skipped because MENTOR_OFFLINE=true");
  }

  @Test
  void locate_installNotAttempted_putsTheRealReasonIntoTheMessage() {
    FashionMnistLocator.Installer refusing = () -> FashionMnistLocator.Installer.Outcome.notAttempted("not root and sudo needs a password");

    assertThatThrownBy(() -> locator(COMMAND_LINE_OFFLINE, tmp.resolve("no-debian"), NO_NETWORK, refusing).locate(null))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("automatic install of dataset-fashion-mnist: not attempted: not root and sudo needs a password");
  }

  @Test
  void locate_installReportsSuccessButFilesStillMissing_saysSoAndFallsThrough() {
    FashionMnistLocator.Installer hollow = FashionMnistLocator.Installer.Outcome::success;

    assertThatThrownBy(() -> locator(COMMAND_LINE_OFFLINE, tmp.resolve("no-debian"), NO_NETWORK, hollow).locate(null))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("Debian package folder after installing dataset-fashion-mnist " + tmp.resolve("no-debian")
            + ": no such folder")
        .hasMessageContaining("skipped because MENTOR_OFFLINE=true");
  }

  @Test
  void locate_asALibrary_neverInstallsNorMentionsIt() {
    assertThatThrownBy(() -> locator(OFFLINE, tmp.resolve("no-debian"), NO_NETWORK, NO_INSTALL).locate(null))
        .isInstanceOf(DataException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("automatic install"));
  }
}
