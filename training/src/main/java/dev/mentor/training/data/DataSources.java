package dev.mentor.training.data;

import dev.mentor.messages.spec.DataSpec;
import java.nio.file.Path;

/**
 * Loads the data a {@link DataSpec} names. Relative paths are resolved against the folder of the
 * experiment file, so an experiment and its data can be moved together. A {@code height} or
 * {@code width} given for a source of fixed size (Fashion-MNIST, IDX) resizes its images, for
 * models that expect another input size.
 */
public final class DataSources {
  /** Seed of the synthetic source: fixed, so every run of an experiment sees the same synthetic data. */
  static final long SYNTHETIC_SEED = 12345;
  private static final int SYNTHETIC_DEFAULT_SIZE = 28;

  private DataSources() {}

  /** Loads {@code spec}'s data; {@code baseDir} (the experiment file's folder) may be null to use the working directory. */
  public static SourceData load(DataSpec spec, Path baseDir) {
    Path path = spec.path() == null ? null : resolve(spec.path(), baseDir);
    return switch (spec.source()) {
      case "fashion-mnist" -> resized(FashionMnist.load(path == null ? null : path.toString()), spec);
      case "idx" -> resized(readIdx(path), spec);
      case "image-folder" -> ImageFolderSource.load(path, spec.height(), spec.width());
      case "csv" -> CsvSource.load(path, spec.height(), spec.width());
      case "synthetic" -> SyntheticData.generate(spec.syntheticClasses(), spec.syntheticPerClass(),
          orDefault(spec.height()), orDefault(spec.width()), SYNTHETIC_SEED);
      default -> throw new IllegalArgumentException("no loader for data source '" + spec.source() + "'");
    };
  }

  private static Path resolve(String path, Path baseDir) {
    Path p = Path.of(path);
    return baseDir == null || p.isAbsolute() ? p : baseDir.resolve(p);
  }

  private static SourceData readIdx(Path dir) {
    IdxLayout layout = IdxLayout.in(dir);
    if (layout == null) {
      throw new DataException(dir + ": idx data is missing " + IdxLayout.missingIn(dir)
          + " (each may also be stored uncompressed, without .gz)");
    }
    return layout.read(null);
  }

  private static SourceData resized(SourceData data, DataSpec spec) {
    int height = spec.height() != null ? spec.height() : data.train().height();
    int width = spec.width() != null ? spec.width() : data.train().width();
    if (height == data.train().height() && width == data.train().width()) {
      return data;
    }
    return new SourceData(Resampling.resize(data.train(), height, width), Resampling.resize(data.test(), height, width),
        data.classNames());
  }

  private static int orDefault(Integer size) {
    return size == null ? SYNTHETIC_DEFAULT_SIZE : size;
  }
}
