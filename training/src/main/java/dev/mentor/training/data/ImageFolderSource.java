package dev.mentor.training.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Images stored one file each as {@code dir/train/<class>/*} and {@code dir/test/<class>/*}, in any
 * format {@code javax.imageio} reads (PNG, JPEG, GIF, BMP). Classes are the training sub-folders
 * sorted by name; files are read in name order, which fixes the sample ids. Images are converted
 * to grayscale (luminance) and resized to the requested size, by default that of the first
 * training image. Hidden files and folders (names starting with '.') are ignored.
 */
public final class ImageFolderSource {
  private ImageFolderSource() {}

  /** Reads {@code dir}; {@code height} and {@code width} may each be null to take the first image's. */
  public static SourceData load(Path dir, Integer height, Integer width) {
    Path trainDir = requireFolder(dir.resolve("train"), dir);
    Path testDir = requireFolder(dir.resolve("test"), dir);
    List<String> classes = visibleEntries(trainDir).stream()
        .filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList();
    if (classes.isEmpty()) {
      throw new DataException(trainDir + ": holds no class folders; expected one sub-folder of images per class");
    }
    for (Path testClass : visibleEntries(testDir)) {
      if (Files.isDirectory(testClass) && !classes.contains(testClass.getFileName().toString())) {
        throw new DataException(testClass + ": class '" + testClass.getFileName() + "' has no folder under "
            + trainDir + "; training classes are " + classes);
      }
    }
    List<List<Path>> trainFiles = new ArrayList<>();
    List<List<Path>> testFiles = new ArrayList<>();
    for (String name : classes) {
      List<Path> files = imageFiles(trainDir.resolve(name));
      if (files.isEmpty()) {
        throw new DataException(trainDir.resolve(name) + ": class folder holds no images");
      }
      trainFiles.add(files);
      testFiles.add(Files.isDirectory(testDir.resolve(name)) ? imageFiles(testDir.resolve(name)) : List.of());
    }
    BufferedImage first = readImage(trainFiles.get(0).get(0));
    int h = height != null ? height : first.getHeight();
    int w = width != null ? width : first.getWidth();
    ImageSet train = readSplit(trainFiles, h, w, 0);
    ImageSet test = readSplit(testFiles, h, w, SourceData.TEST_ID_OFFSET);
    return new SourceData(train, test, classes);
  }

  private static ImageSet readSplit(List<List<Path>> filesByClass, int height, int width, long idOffset) {
    int count = filesByClass.stream().mapToInt(List::size).sum();
    int per = height * width;
    float[] pixels = new float[count * per];
    int[] labels = new int[count];
    long[] ids = new long[count];
    int i = 0;
    for (int label = 0; label < filesByClass.size(); label++) {
      for (Path file : filesByClass.get(label)) {
        BufferedImage image = readImage(file);
        float[] gray = Resampling.resize(grayscale(image), image.getHeight(), image.getWidth(), height, width);
        System.arraycopy(gray, 0, pixels, i * per, per);
        labels[i] = label;
        ids[i] = idOffset + i;
        i++;
      }
    }
    return ImageSet.adopt(pixels, labels, ids, 1, height, width);
  }

  /** Gray levels in [0, 1]; gray images are read from the raster because their RGB view is gamma-converted. */
  private static float[] grayscale(BufferedImage image) {
    int h = image.getHeight();
    int w = image.getWidth();
    float[] gray = new float[h * w];
    Raster raster = image.getRaster();
    if (image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
      float max = (1 << image.getColorModel().getComponentSize(0)) - 1;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          gray[y * w + x] = raster.getSample(x, y, 0) / max;
        }
      }
      return gray;
    }
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = image.getRGB(x, y);
        float luminance = 0.299f * ((rgb >> 16) & 0xff) + 0.587f * ((rgb >> 8) & 0xff) + 0.114f * (rgb & 0xff);
        gray[y * w + x] = luminance / 255f;
      }
    }
    return gray;
  }

  private static BufferedImage readImage(Path file) {
    try {
      BufferedImage image = ImageIO.read(file.toFile());
      if (image == null) {
        throw new DataException(file + ": not an image javax.imageio can read (PNG, JPEG, GIF or BMP expected)");
      }
      return image;
    } catch (IOException e) {
      throw new DataException(file + ": cannot read image: " + e.getMessage(), e);
    }
  }

  private static Path requireFolder(Path folder, Path dir) {
    if (!Files.isDirectory(folder)) {
      throw new DataException(folder + ": folder not found; image-folder data in " + dir
          + " needs train/<class>/ and test/<class>/ sub-folders");
    }
    return folder;
  }

  private static List<Path> imageFiles(Path classDir) {
    return visibleEntries(classDir).stream().filter(Files::isRegularFile).toList();
  }

  private static List<Path> visibleEntries(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    } catch (IOException e) {
      throw new DataException(dir + ": cannot list folder: " + e.getMessage(), e);
    }
  }
}
