package dev.mentor.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderSourceTest {
  @TempDir Path dir;

  /** Writes a gray PNG of the given size whose every pixel is {@code level} (0..255). */
  private Path grayPng(String relative, int height, int width, int level) throws IOException {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.getRaster().setSample(x, y, 0, level);
      }
    }
    return write(relative, image);
  }

  private Path write(String relative, BufferedImage image) throws IOException {
    Path file = dir.resolve(relative);
    Files.createDirectories(file.getParent());
    ImageIO.write(image, "png", file.toFile());
    return file;
  }

  private void smallDataSet() throws IOException {
    grayPng("train/cat/b.png", 3, 4, 128);
    grayPng("train/cat/a.png", 3, 4, 255);
    grayPng("train/ant/x.png", 3, 4, 0);
    grayPng("test/cat/t.png", 3, 4, 64);
  }

  @Test
  void load_namesClassesAfterSortedFoldersAndReadsFilesInNameOrder() throws IOException {
    smallDataSet();

    SourceData data = ImageFolderSource.load(dir, null, null);

    assertThat(data.classNames()).containsExactly("ant", "cat");
    assertThat(data.train().labels()).containsExactly(0, 1, 1);
    assertThat(data.train().sampleIds()).containsExactly(0, 1, 2);
    assertThat(data.train().rawPixels()[12]).as("cat/a.png first").isEqualTo(1f);
    assertThat(data.train().rawPixels()[24]).as("gray levels read unchanged").isCloseTo(128 / 255f, offset(1e-6f));
    assertThat(data.test().labels()).containsExactly(1);
    assertThat(data.test().sampleIds()).containsExactly(SourceData.TEST_ID_OFFSET);
    assertThat(data.train().height()).isEqualTo(3);
    assertThat(data.train().width()).isEqualTo(4);
  }

  @Test
  void load_colourImage_isConvertedToLuminance() throws IOException {
    BufferedImage red = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 2; x++) {
        red.setRGB(x, y, 0xFF0000);
      }
    }
    write("train/a/red.png", red);
    grayPng("test/a/t.png", 2, 2, 0);

    float[] pixels = ImageFolderSource.load(dir, null, null).train().rawPixels();

    assertThat(pixels).containsOnly(0.299f);
  }

  @Test
  void load_givenSize_resizesByAveragingAreas() throws IOException {
    BufferedImage image = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 4; x++) {
        image.getRaster().setSample(x, y, 0, x < 2 && y < 2 ? 255 : 0);
      }
    }
    write("train/a/img.png", image);
    grayPng("test/a/t.png", 6, 6, 255);

    SourceData data = ImageFolderSource.load(dir, 2, 2);

    assertThat(data.train().rawPixels()).containsExactly(new float[] {1f, 0f, 0f, 0f}, offset(1e-6f));
    assertThat(data.test().rawPixels()).containsOnly(1f);
  }

  @Test
  void load_missingTestFolder_failsNamingIt() throws IOException {
    grayPng("train/a/x.png", 2, 2, 0);

    assertThatThrownBy(() -> ImageFolderSource.load(dir, null, null))
        .isInstanceOf(DataException.class)
        .hasMessageContaining(dir.resolve("test") + ": folder not found");
  }

  @Test
  void load_testClassWithoutTrainingFolder_failsNamingTheClass() throws IOException {
    grayPng("train/a/x.png", 2, 2, 0);
    grayPng("test/b/y.png", 2, 2, 0);

    assertThatThrownBy(() -> ImageFolderSource.load(dir, null, null))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("class 'b' has no folder under")
        .hasMessageContaining("[a]");
  }

  @Test
  void load_unreadableImage_failsNamingTheFile() throws IOException {
    grayPng("train/a/x.png", 2, 2, 0);
    Path broken = dir.resolve("train/a/y.png");
    Files.writeString(broken, "not an image");
    grayPng("test/a/t.png", 2, 2, 0);

    assertThatThrownBy(() -> ImageFolderSource.load(dir, null, null))
        .isInstanceOf(DataException.class)
        .hasMessageContaining(broken.toString());
  }

  @Test
  void load_hiddenFilesAreIgnored() throws IOException {
    smallDataSet();
    Files.writeString(dir.resolve("train/cat/.DS_Store"), "junk");

    assertThat(ImageFolderSource.load(dir, null, null).train().size()).isEqualTo(3);
  }
}
