package dev.mentor.training.data;

import dev.mentor.messages.spec.DataSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads the data a {@link DataSpec} names. Relative paths are resolved against the folder of the
 * experiment file, so an experiment and its data can be moved together. A {@code path} given for
 * {@code fashion-mnist} is the folder read, and must hold the files. A {@code height} or
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
    return open(spec, baseDir).data();
  }

  /**
   * Data as loaded, with what it was read from: the files in absolute form (the four IDX files,
   * the two CSV files), or for an image folder the folder itself, whose listing stands for its
   * files; none for generated data.
   */
  public record Loaded(SourceData data, List<Path> files) {
    public Loaded {
      files = List.copyOf(files);
    }
  }

  /** As {@link #load}, also saying which files the data came from. */
  public static Loaded open(DataSpec spec, Path baseDir) {
    Path path = spec.path() == null ? null : resolve(spec.path(), baseDir);
    return switch (spec.source()) {
      case FASHION_MNIST -> {
        Path dir = FashionMnist.locate(path == null ? null : path.toString());
        yield new Loaded(resized(FashionMnist.loadFrom(dir), spec), idxFiles(IdxLayout.in(dir)));
      }
      case IDX -> {
        IdxLayout layout = idxLayout(path);
        yield new Loaded(resized(layout.read(null), spec), idxFiles(layout));
      }
      case IMAGE_FOLDER -> new Loaded(ImageFolderSource.load(path, spec.height(), spec.width()), List.of(absolute(path)));
      case CSV -> new Loaded(CsvSource.load(path, spec.height(), spec.width()),
          List.of(absolute(path.resolve("train.csv")), absolute(path.resolve("test.csv"))));
      case SYNTHETIC -> new Loaded(SyntheticData.generate(spec.syntheticClasses(), spec.syntheticPerClass(),
          orDefault(spec.height()), orDefault(spec.width()), SYNTHETIC_SEED), List.of());
    };
  }

  private static List<Path> idxFiles(IdxLayout layout) {
    return List.of(absolute(layout.trainImages()), absolute(layout.trainLabels()), absolute(layout.testImages()),
        absolute(layout.testLabels()));
  }

  /** The real path where it can be resolved (links followed), else the absolute one. */
  private static Path absolute(Path path) {
    try {
      return path.toRealPath();
    } catch (IOException e) {
      return path.toAbsolutePath().normalize();
    }
  }

  private static Path resolve(String path, Path baseDir) {
    Path p = Path.of(path);
    return baseDir == null || p.isAbsolute() ? p : baseDir.resolve(p);
  }

  private static IdxLayout idxLayout(Path dir) {
    IdxLayout layout = IdxLayout.in(dir);
    if (layout == null) {
      throw new DataException(dir + ": idx data is missing " + IdxLayout.missingIn(dir)
          + " (each may also be stored uncompressed, without .gz)");
    }
    return layout;
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
