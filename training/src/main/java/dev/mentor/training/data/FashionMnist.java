package dev.mentor.training.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Zalando's Fashion-MNIST: 60,000 training and 10,000 test grayscale images of 28×28 pixels in
 * ten clothing classes. The four IDX files are read from the spec's {@code data.path} when it is
 * given, else looked for in {@code $MENTOR_DATA_DIR}, Debian's {@code /usr/share/datasets/fashion-mnist} and a download cache
 * ({@code $MENTOR_CACHE_DIR/fashion-mnist} or {@code ~/.cache/mentor/fashion-mnist}), in that order.
 * When none holds them, the command line (not the library) installs Debian's package where the
 * machine allows it ({@link DataPackageInstaller}); then the cache is filled from the data set's
 * public location unless {@code MENTOR_OFFLINE=true} (as an environment variable or system property). A loaded copy is kept per folder for the life of the
 * process, since experiments load the data many times and the sets are immutable; the files are
 * assumed not to change meanwhile.
 */
public final class FashionMnist {
  public static final List<String> CLASS_NAMES = List.of(
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

  private static final Map<Path, SourceData> LOADED = new ConcurrentHashMap<>();

  private FashionMnist() {}

  /**
   * Loads the data from the first folder that holds it; {@code specPath} (the spec's {@code data.path})
   * may be null. A {@code specPath} that is given must hold the files (else a
   * {@link dev.mentor.messages.spec.SpecException} on {@code data.path}).
   */
  public static SourceData load(String specPath) {
    return loadFrom(locate(specPath));
  }

  /** The folder {@link #load} reads. */
  static Path locate(String specPath) {
    return FashionMnistLocator.fromEnvironment().locate(specPath);
  }

  /** Loads the files in {@code dir}, or returns the copy loaded from that folder before. */
  static SourceData loadFrom(Path dir) {
    Path key;
    try {
      key = dir.toRealPath();
    } catch (IOException e) {
      throw new DataException(dir + ": cannot open the Fashion-MNIST folder: " + e, e);
    }
    // computeIfAbsent makes concurrent first loads of one folder wait for a single read.
    return LOADED.computeIfAbsent(key, FashionMnist::read);
  }

  private static SourceData read(Path dir) {
    IdxLayout layout = IdxLayout.in(dir);
    if (layout == null) {
      throw new DataException(dir + ": lacks the Fashion-MNIST files " + IdxLayout.missingIn(dir));
    }
    return layout.read(CLASS_NAMES);
  }
}
