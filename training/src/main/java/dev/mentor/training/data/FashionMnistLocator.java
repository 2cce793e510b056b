package dev.mentor.training.data;

import dev.mentor.messages.spec.SpecException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the folder holding the Fashion-MNIST files: the spec's {@code data.path} when it is given
 * (and then only there: a folder without the files is refused), else, in order,
 * {@code $MENTOR_DATA_DIR}, the folder of Debian's {@code dataset-fashion-mnist} package, and a
 * download cache ({@code $MENTOR_CACHE_DIR/fashion-mnist}, else {@code ~/.cache/mentor/fashion-mnist}).
 * When all are empty, the {@code mentor} command line (never a library) installs the Debian package
 * where the machine allows it (see {@link DataPackageInstaller}), and failing that the cache is
 * filled from the data set's canonical location unless {@code MENTOR_OFFLINE} is {@code true}. If
 * nothing works, the message lists every place searched and why each step failed. The settings,
 * the folders, the downloader and the installer are passed in, so tests exercise the search order
 * without depending on the machine, touching the network or running {@code apt-get}.
 */
final class FashionMnistLocator {
  static final String DATA_DIR_SETTING = "MENTOR_DATA_DIR";
  static final String CACHE_DIR_SETTING = "MENTOR_CACHE_DIR";
  static final String OFFLINE_SETTING = "MENTOR_OFFLINE";
  static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
  static final String DOWNLOAD_BASE = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

  private static final Logger LOG = LoggerFactory.getLogger(FashionMnistLocator.class);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration DOWNLOAD_TIMEOUT = Duration.ofMinutes(10);

  /** Fetches one remote file into {@code target}. */
  interface Downloader {
    void download(URI source, Path target) throws IOException;
  }

  /** Installs the system package that puts the files into the Debian folder, or says why it did not. */
  interface Installer {
    Outcome install();

    /** Whether the package was installed; if not, why, in words for the not-found message. */
    record Outcome(boolean succeeded, String account) {
      static Outcome success() {
        return new Outcome(true, "installed");
      }

      static Outcome notAttempted(String reason) {
        return new Outcome(false, "not attempted: " + reason);
      }

      static Outcome failed(String account) {
        return new Outcome(false, account);
      }
    }
  }

  /** A download the server refused with this HTTP status. */
  static final class HttpStatusException extends IOException {
    HttpStatusException(int status, URI source) {
      super("HTTP " + status + " for " + source);
    }
  }

  private final Map<String, String> settings;
  private final Path debianDir;
  private final Path defaultCacheDir;
  private final Downloader downloader;
  private final Installer installer;

  FashionMnistLocator(Map<String, String> settings, Path debianDir, Path defaultCacheDir, Downloader downloader, Installer installer) {
    this.settings = Map.copyOf(settings);
    this.debianDir = debianDir;
    this.defaultCacheDir = defaultCacheDir;
    this.downloader = downloader;
    this.installer = installer;
  }

  /**
   * The locator for this process: its environment, with a {@code MENTOR_OFFLINE} system property
   * taking precedence, and the command line's install switch ({@code mentor.data.install}) if it set one.
   */
  static FashionMnistLocator fromEnvironment() {
    Map<String, String> settings = new HashMap<>(System.getenv());
    for (String property : List.of(OFFLINE_SETTING, DataPackageInstaller.COMMAND_LINE_SETTING)) {
      String value = System.getProperty(property);
      if (value != null) {
        settings.put(property, value);
      }
    }
    Path cache = Path.of(System.getProperty("user.home"), ".cache", "mentor", "fashion-mnist");
    return new FashionMnistLocator(settings, DEBIAN_DIR, cache, FashionMnistLocator::httpDownload,
        DataPackageInstaller.forThisProcess(DataPackageInstaller.optOut(settings)));
  }

  /**
   * The first folder holding all four files; {@code specPath} may be null. A {@code specPath} that
   * is given is the only place looked at: a researcher who names a folder means that folder, so
   * one without the files is a {@link SpecException} on {@code data.path}, never a quiet fall-back
   * to another copy.
   */
  Path locate(String specPath) {
    if (specPath != null) {
      return requireFiles(Path.of(specPath));
    }
    List<String> searched = new ArrayList<>();
    String dataDir = settings.get(DATA_DIR_SETTING);
    if (dataDir == null || dataDir.isBlank()) {
      searched.add("$" + DATA_DIR_SETTING + ": not set");
    } else if (holdsFiles(Path.of(dataDir), "$" + DATA_DIR_SETTING, true, searched)) {
      return Path.of(dataDir);
    }
    if (holdsFiles(debianDir, "Debian package folder", false, searched)) {
      return debianDir;
    }
    Path cache = cacheDir();
    if (holdsFiles(cache, "download cache", false, searched)) {
      return cache;
    }
    // Before the download: the package serves every user of the machine, and apt may reach a mirror where we cannot.
    if (DataPackageInstaller.offered(settings)) {
      Installer.Outcome installed = installer.install();
      if (!installed.succeeded()) {
        searched.add("automatic install of " + DataPackageInstaller.PACKAGE + ": " + installed.account());
      } else if (holdsFiles(debianDir, "Debian package folder after installing " + DataPackageInstaller.PACKAGE, false, searched)) {
        return debianDir;
      }
    }
    if ("true".equalsIgnoreCase(settings.get(OFFLINE_SETTING))) {
      searched.add("download: skipped because " + OFFLINE_SETTING + "=true");
    } else {
      try {
        download(cache);
        return cache;
      } catch (IOException e) {
        searched.add("download from " + DOWNLOAD_BASE + ": failed: " + whyDownloadFailed(e));
      }
    }
    throw new DataException(notFoundMessage(searched));
  }

  /** {@code dir} when it holds the four files, else a {@link SpecException} on {@code data.path} saying what it holds instead. */
  static Path requireFiles(Path dir) {
    if (IdxLayout.in(dir) != null) {
      return dir;
    }
    String wanted = "a data.path given for source fashion-mnist must be a local folder holding the four Fashion-MNIST files "
        + String.join(", ", IdxLayout.FILE_NAMES) + " (each gzip-compressed with .gz or uncompressed)";
    if (!Files.exists(dir)) {
      throw new SpecException("data.path", dir + ": no such folder; " + wanted);
    }
    if (!Files.isDirectory(dir)) {
      throw new SpecException("data.path", dir + ": is a file, not a folder; " + wanted);
    }
    throw new SpecException("data.path", dir + ": lacks " + String.join(", ", IdxLayout.missingIn(dir)) + "; it holds "
        + contents(dir) + "; " + wanted);
  }

  /** The folder's entries by name, at most 12 of them, for a message. */
  private static String contents(Path dir) {
    try (var entries = Files.list(dir)) {
      List<String> names = entries.map(p -> p.getFileName().toString() + (Files.isDirectory(p) ? "/" : "")).sorted().toList();
      if (names.isEmpty()) {
        return "nothing";
      }
      int shown = Math.min(names.size(), 12);
      return String.join(", ", names.subList(0, shown)) + (names.size() > shown ? " and " + (names.size() - shown) + " more" : "");
    } catch (IOException e) {
      return "entries that cannot be listed (" + describe(e) + ")";
    }
  }

  private Path cacheDir() {
    String root = settings.get(CACHE_DIR_SETTING);
    return root == null || root.isBlank() ? defaultCacheDir : Path.of(root).resolve("fashion-mnist");
  }

  private static boolean holdsFiles(Path dir, String role, boolean namedByResearcher, List<String> searched) {
    if (IdxLayout.in(dir) != null) {
      return true;
    }
    String problem = Files.isDirectory(dir) ? "lacks " + String.join(", ", IdxLayout.missingIn(dir)) : "no such folder";
    searched.add(role + " " + dir + ": " + problem);
    if (namedByResearcher) {
      // Say why a folder the researcher chose was passed over, even if a later one works.
      LOG.warn("Fashion-MNIST: {} {} {}; looking further", role, dir, problem);
    }
    return false;
  }

  /** Fetches each missing file to a temporary name and renames it, so an interrupted download leaves no partial file behind. */
  private void download(Path cache) throws IOException {
    Files.createDirectories(cache);
    for (String name : IdxLayout.missingIn(cache)) {
      URI source = URI.create(DOWNLOAD_BASE + name);
      LOG.info("Downloading {} to {}", source, cache);
      Path partial = Files.createTempFile(cache, name, ".part");
      try {
        downloader.download(source, partial);
        Files.move(partial, cache.resolve(name), StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(partial);
      }
    }
  }

  /** Why a download failed, in plain words first: the exception alone often says nothing (a refused connection has no message). */
  static String whyDownloadFailed(IOException e) {
    String host = URI.create(DOWNLOAD_BASE).getHost();
    // The HTTP client reports an unknown host as a ConnectException caused by an UnresolvedAddressException.
    Throwable unresolved = firstOf(e, UnknownHostException.class, UnresolvedAddressException.class);
    if (unresolved != null) {
      return "no network or no DNS: cannot resolve the host " + host + " (" + unresolved.getClass().getSimpleName() + ")";
    }
    if (e instanceof HttpConnectTimeoutException) {
      return "no network, or a firewall: connecting to " + host + " timed out after " + CONNECT_TIMEOUT.toSeconds()
          + " s (HttpConnectTimeoutException)";
    }
    if (e instanceof HttpTimeoutException) {
      return "no answer from " + host + " within " + DOWNLOAD_TIMEOUT.toMinutes() + " min (HttpTimeoutException)";
    }
    if (e instanceof ConnectException) {
      return "no network, or a firewall: the connection to " + host + " was refused or could not be made (ConnectException"
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")";
    }
    if (e instanceof HttpStatusException) {
      return "the server answered " + e.getMessage();
    }
    return describe(e);
  }

  /** {@code e} or the first of its causes that is one of {@code types}; null if none is. */
  @SafeVarargs
  private static Throwable firstOf(Throwable e, Class<? extends Throwable>... types) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      for (Class<? extends Throwable> type : types) {
        if (type.isInstance(t)) {
          return t;
        }
      }
    }
    return null;
  }

  /** The exception's class and its message, else its cause's, so that a message-less exception still says something. */
  static String describe(Throwable e) {
    String name = e.getClass().getSimpleName();
    if (e.getMessage() != null && !e.getMessage().isBlank()) {
      return name + ": " + e.getMessage();
    }
    return e.getCause() == null ? name + " (no further detail)" : name + ", caused by " + describe(e.getCause());
  }

  private static String notFoundMessage(List<String> searched) {
    String files = IdxLayout.FILE_NAMES.stream().map(name -> name + ".gz").toList().toString();
    return "Fashion-MNIST not found. Searched:\n  - " + String.join("\n  - ", searched)
        + "\nTo get the data, do one of:\n"
        + "  - sudo apt-get install dataset-fashion-mnist   (installs it into " + DEBIAN_DIR + ")\n"
        + "  - set " + DATA_DIR_SETTING + " to a folder holding the four files " + files + "\n"
        + "  - set data.path in the experiment spec to such a folder\n"
        + "  - allow the download (unset " + OFFLINE_SETTING + ") on a machine with network access";
  }

  private static void httpDownload(URI source, Path target) throws IOException {
    HttpClient client = HttpClient.newBuilder()
        .connectTimeout(CONNECT_TIMEOUT)
        .followRedirects(HttpClient.Redirect.NORMAL)
        .build();
    HttpRequest request = HttpRequest.newBuilder(source).timeout(DOWNLOAD_TIMEOUT).GET().build();
    try {
      HttpResponse<Path> response = client.send(request, HttpResponse.BodyHandlers.ofFile(target));
      if (response.statusCode() != 200) {
        throw new HttpStatusException(response.statusCode(), source);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("download of " + source + " interrupted");
    }
  }
}
