package dev.mentor.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistLocatorTest {
  private static final FashionMnistLocator.Downloader NO_NETWORK = (source, target) -> {
    throw new AssertionError("test tried to download " + source);
  };
  private static final Map<String, String> OFFLINE = Map.of("MENTOR_OFFLINE", "true");

  @TempDir Path tmp;

  private Path folderWithData(String name) throws IOException {
    return TestImages.writeIdxFolder(Files.createDirectories(tmp.resolve(name)), 4, 2, 2, 2);
  }

  private FashionMnistLocator locator(Map<String, String> settings, Path debian, FashionMnistLocator.Downloader downloader) {
    return new FashionMnistLocator(settings, debian, tmp.resolve("cache"), downloader);
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
  void locate_specPathLackingFiles_fallsThroughToNextCandidate() throws IOException {
    Path emptySpec = Files.createDirectories(tmp.resolve("empty"));
    Path debian = folderWithData("debian");

    assertThat(locator(OFFLINE, debian, NO_NETWORK).locate(emptySpec.toString())).isEqualTo(debian);
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
    Path emptySpec = Files.createDirectories(tmp.resolve("empty"));

    assertThatThrownBy(() -> locator(OFFLINE, tmp.resolve("no-debian"), NO_NETWORK).locate(emptySpec.toString()))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("data.path " + emptySpec + ": lacks train-images-idx3-ubyte.gz")
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
        .hasMessageContaining("failed: connect timed out");
    try (Stream<Path> files = Files.list(tmp.resolve("cache"))) {
      assertThat(files).isEmpty();
    }
  }
}
