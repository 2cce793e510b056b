package dev.mentor.training.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The four files of an MNIST-style data set in one folder ({@code train-images-idx3-ubyte},
 * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}),
 * each either gzip-compressed with a {@code .gz} suffix or plain.
 */
record IdxLayout(Path trainImages, Path trainLabels, Path testImages, Path testLabels) {
  static final List<String> FILE_NAMES = List.of(
      "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");

  /** The layout in {@code dir}, or null if any of the four files is missing. */
  static IdxLayout in(Path dir) {
    List<Path> found = new ArrayList<>();
    for (String name : FILE_NAMES) {
      Path file = existing(dir, name);
      if (file == null) {
        return null;
      }
      found.add(file);
    }
    return new IdxLayout(found.get(0), found.get(1), found.get(2), found.get(3));
  }

  /** The names (with {@code .gz}) of the files {@code dir} lacks; all four when it is not a folder. */
  static List<String> missingIn(Path dir) {
    return FILE_NAMES.stream().filter(name -> existing(dir, name) == null).map(name -> name + ".gz").toList();
  }

  /**
   * Reads both splits; test sample ids are offset by {@link SourceData#TEST_ID_OFFSET}. With
   * {@code classNames} null the classes are named {@code class-<k>} up to the largest label found.
   */
  SourceData read(List<String> classNames) {
    ImageSet train = IdxFiles.read(trainImages, trainLabels, 0);
    ImageSet test = IdxFiles.read(testImages, testLabels, SourceData.TEST_ID_OFFSET);
    int classCount = SourceData.classCountOf(train, test);
    if (classNames == null) {
      return new SourceData(train, test, SourceData.genericClassNames(classCount));
    }
    if (classCount > classNames.size()) {
      throw new DataException(trainLabels.getParent() + ": labels go up to " + (classCount - 1) + " but this data set has "
          + classNames.size() + " classes " + classNames + "; are these the right files?");
    }
    return new SourceData(train, test, classNames);
  }

  private static Path existing(Path dir, String name) {
    for (Path candidate : List.of(dir.resolve(name + ".gz"), dir.resolve(name))) {
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    return null;
  }
}
