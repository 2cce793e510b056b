package dev.mentor.training.data;

import java.nio.file.Path;
import java.util.Arrays;

/** Tiny hand-made image sets for tests. */
final class TestImages {
  private TestImages() {}

  /** One single-channel image of the given rows, labelled 0, with sample id 0. */
  static ImageSet single(float[][] rows) {
    int height = rows.length;
    int width = rows[0].length;
    float[] pixels = new float[height * width];
    for (int y = 0; y < height; y++) {
      System.arraycopy(rows[y], 0, pixels, y * width, width);
    }
    return new ImageSet(pixels, new int[] {0}, new long[] {0}, 1, height, width);
  }

  /** The pixels of sample {@code i} as rows. */
  static float[][] rowsOf(ImageSet set, int i) {
    float[] pixels = new float[set.pixelsPerSample()];
    set.pixelsOf(i, pixels, 0);
    float[][] rows = new float[set.height()][];
    for (int y = 0; y < set.height(); y++) {
      rows[y] = Arrays.copyOfRange(pixels, y * set.width(), (y + 1) * set.width());
    }
    return rows;
  }

  /**
   * {@code count} single-channel samples with labels {@code i % classes} and ids {@code idOffset + i};
   * every pixel of sample i is {@code ((i * 7) % 256) / 255}, so samples are told apart by their pixels.
   */
  static ImageSet labelled(int count, int classes, int height, int width, long idOffset) {
    int per = height * width;
    float[] pixels = new float[count * per];
    int[] labels = new int[count];
    long[] ids = new long[count];
    for (int i = 0; i < count; i++) {
      Arrays.fill(pixels, i * per, (i + 1) * per, ((i * 7) % 256) / 255f);
      labels[i] = i % classes;
      ids[i] = idOffset + i;
    }
    return new ImageSet(pixels, labels, ids, 1, height, width);
  }

  /** Writes an MNIST-style folder (gzip'd) with {@code train} and {@code test} samples of {@code classes} classes. */
  static Path writeIdxFolder(Path dir, int train, int test, int classes, int size) {
    IdxFiles.write(dir.resolve("train-images-idx3-ubyte.gz"), dir.resolve("train-labels-idx1-ubyte.gz"),
        labelled(train, classes, size, size, 0), true);
    IdxFiles.write(dir.resolve("t10k-images-idx3-ubyte.gz"), dir.resolve("t10k-labels-idx1-ubyte.gz"),
        labelled(test, classes, size, size, SourceData.TEST_ID_OFFSET), true);
    return dir;
  }
}
