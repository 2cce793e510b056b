package dev.mentor.training.data;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * Finds the folder holding the Fashion-MNIST files, trying in order: the spec's {@code data.path},
 * {@code $MENTOR_DATA_DIR}, the folder of Debian's {@code dataset-fashion-mnist} package, and a
 * download cache ({@code $MENTOR_CACHE_DIR/fashion-mnist}, else {@code ~/.cache/mentor/fashion-mnist}),
 * which is filled from the data set's canonical location unless {@code MENTOR_OFFLINE} is
 * {@code true}. The settings and the folders are passed in, so tests exercise the search order
 * without depending on the machine or touching the network.
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

  private final Map<String, String> settings;
  private final Path debianDir;
  private final Path defaultCacheDir;
  private final Downloader downloader;

  FashionMnistLocator(Map<String, String> settings, Path debianDir, Path defaultCacheDir, Downloader downloader) {
    this.settings = Map.copyOf(settings);
    this.debianDir = debianDir;
    this.defaultCacheDir = defaultCacheDir;
    this.downloader = downloader;
  }

  /** The locator for this process: its environment, with a {@code MENTOR_OFFLINE} system property taking precedence. */
  static FashionMnistLocator fromEnvironment() {
    Map<String, String> settings = new HashMap<>(System.getenv());
    String offlineProperty = System.getProperty(OFFLINE_SETTING);
    if (offlineProperty != null) {
      settings.put(OFFLINE_SETTING, offlineProperty);
    }
    Path cache = Path.of(System.getProperty("user.home"), ".cache", "mentor", "fashion-mnist");
    return new FashionMnistLocator(settings, DEBIAN_DIR, cache, FashionMnistLocator::httpDownload);
  }

  /** The first folder holding all four files; {@code specPath} may be null. */
  Path locate(String specPath) {
    List<String> searched = new ArrayList<>();
    if (specPath != null && holdsFiles(Path.of(specPath), "data.path", true, searched)) {
      return Path.of(specPath);
    }
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
    if ("true".equalsIgnoreCase(settings.get(OFFLINE_SETTING))) {
      searched.add("download: skipped because " + OFFLINE_SETTING + "=true");
    } else {
      try {
        download(cache);
        return cache;
      } catch (IOException e) {
        searched.add("download from " + DOWNLOAD_BASE + ": failed: " + e.getMessage());
      }
    }
    throw new DataException(notFoundMessage(searched));
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
        throw new IOException("HTTP " + response.statusCode() + " for " + source);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("download of " + source + " interrupted");
    }
  }
}
