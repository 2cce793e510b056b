package dev.mentor.training.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Images as comma-separated rows in {@code dir/train.csv} and {@code dir/test.csv} (the layout of
 * the Kaggle MNIST-style CSV exports): each row is an integer label >= 0 followed by
 * {@code height*width} pixel values in [0, 255], row by row. A first line whose first cell is not
 * a number is taken as a header and skipped; blank lines are skipped. When the size is not given,
 * a square image is assumed. Classes are named {@code class-<k>} up to the largest label.
 */
public final class CsvSource {
  private CsvSource() {}

  /** Reads {@code dir}; {@code height} and {@code width} may be null to infer them from the column count. */
  public static SourceData load(Path dir, Integer height, Integer width) {
    Path trainFile = dir.resolve("train.csv");
    Path testFile = dir.resolve("test.csv");
    int[] size = imageSize(trainFile, height, width);
    ImageSet train = read(trainFile, size[0], size[1], 0);
    if (train.size() == 0) {
      throw new DataException(trainFile + ": holds no data rows");
    }
    ImageSet test = read(testFile, size[0], size[1], SourceData.TEST_ID_OFFSET);
    return new SourceData(train, test, SourceData.genericClassNames(SourceData.classCountOf(train, test)));
  }

  /** Height and width: as given, or derived from the pixel count of the first data row of {@code file}. */
  private static int[] imageSize(Path file, Integer height, Integer width) {
    if (height != null && width != null) {
      return new int[] {height, width};
    }
    try (BufferedReader reader = open(file)) {
      String line = firstDataLine(reader);
      if (line == null) {
        throw new DataException(file + ": holds no data rows, so the image size cannot be inferred");
      }
      int pixels = line.split(",", -1).length - 1;
      if (height != null || width != null) {
        int known = height != null ? height : width;
        if (pixels % known != 0) {
          throw new DataException(file + ": " + pixels + " pixel columns do not divide into rows of " + known
              + "; check data.height and data.width");
        }
        return height != null ? new int[] {height, pixels / known} : new int[] {pixels / known, width};
      }
      int side = (int) Math.round(Math.sqrt(pixels));
      if (side < 1 || side * side != pixels) {
        throw new DataException(file + ": " + pixels + " pixel columns do not form a square image;"
            + " set data.height and data.width");
      }
      return new int[] {side, side};
    } catch (IOException e) {
      throw new DataException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static String firstDataLine(BufferedReader reader) throws IOException {
    String line = reader.readLine();
    if (line != null && isHeader(line)) {
      line = reader.readLine();
    }
    while (line != null && line.isBlank()) {
      line = reader.readLine();
    }
    return line;
  }

  private static ImageSet read(Path file, int height, int width, long idOffset) {
    int per = height * width;
    int columns = per + 1;
    float[] pixels = new float[per * 1024];
    int[] labels = new int[1024];
    int count = 0;
    try (BufferedReader reader = open(file)) {
      String line;
      int lineNumber = 0;
      while ((line = reader.readLine()) != null) {
        lineNumber++;
        if (line.isBlank() || (lineNumber == 1 && isHeader(line))) {
          continue;
        }
        String[] cells = line.split(",", -1);
        if (cells.length != columns) {
          throw new DataException(file + ":" + lineNumber + ": expected " + columns + " columns (label + "
              + height + "x" + width + " pixels), found " + cells.length);
        }
        if (count == labels.length) {
          labels = Arrays.copyOf(labels, count * 2);
          pixels = Arrays.copyOf(pixels, count * 2 * per);
        }
        labels[count] = label(cells[0], file, lineNumber);
        for (int c = 1; c < columns; c++) {
          pixels[count * per + c - 1] = pixel(cells[c], file, lineNumber, c + 1) / 255f;
        }
        count++;
      }
    } catch (IOException e) {
      throw new DataException(file + ": cannot read: " + e.getMessage(), e);
    }
    long[] ids = new long[count];
    Arrays.setAll(ids, i -> idOffset + i);
    return ImageSet.adopt(Arrays.copyOf(pixels, count * per), Arrays.copyOf(labels, count), ids, 1, height, width);
  }

  private static BufferedReader open(Path file) throws IOException {
    try {
      return Files.newBufferedReader(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new DataException(file + ": file not found; csv data needs train.csv and test.csv in one folder", e);
    }
  }

  private static boolean isHeader(String line) {
    try {
      Double.parseDouble(line.split(",", 2)[0].trim());
      return false;
    } catch (NumberFormatException e) {
      return true;
    }
  }

  private static int label(String cell, Path file, int lineNumber) {
    try {
      int label = Integer.parseInt(cell.trim());
      if (label >= 0) {
        return label;
      }
    } catch (NumberFormatException e) {
      // Reported below with the offending text.
    }
    throw new DataException(file + ":" + lineNumber + ": label '" + cell.trim() + "' is not an integer >= 0");
  }

  private static float pixel(String cell, Path file, int lineNumber, int column) {
    try {
      float value = Float.parseFloat(cell.trim());
      if (value >= 0 && value <= 255) {
        return value;
      }
    } catch (NumberFormatException e) {
      // Reported below with the offending text.
    }
    throw new DataException(file + ":" + lineNumber + ", column " + column + ": pixel value '" + cell.trim()
        + "' is not a number in [0, 255]");
  }
}
