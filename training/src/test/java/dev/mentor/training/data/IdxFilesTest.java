package dev.mentor.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxFilesTest {
  @TempDir Path dir;

  private Path images() {
    return dir.resolve("images");
  }

  private Path labels() {
    return dir.resolve("labels");
  }

  @ParameterizedTest(name = "gzip={0}")
  @ValueSource(booleans = {true, false})
  void writeThenRead_reproducesPixelsLabelsAndShape(boolean gzip) {
    ImageSet original = TestImages.labelled(5, 3, 2, 3, 0);
    IdxFiles.write(images(), labels(), original, gzip);

    ImageSet read = IdxFiles.read(images(), labels(), 100);

    assertThat(read.height()).isEqualTo(2);
    assertThat(read.width()).isEqualTo(3);
    assertThat(read.channels()).isEqualTo(1);
    assertThat(read.rawPixels()).containsExactly(original.rawPixels());
    assertThat(read.labels()).containsExactly(original.labels());
    assertThat(read.sampleIds()).containsExactly(100, 101, 102, 103, 104);
  }

  @Test
  void write_gzip_producesGzipMagicBytes() throws IOException {
    IdxFiles.write(images(), labels(), TestImages.labelled(1, 1, 1, 1, 0), true);
    byte[] bytes = Files.readAllBytes(images());
    assertThat(bytes[0] & 0xff).isEqualTo(0x1f);
    assertThat(bytes[1] & 0xff).isEqualTo(0x8b);
  }

  @Test
  void read_truncatedImagesFile_failsSayingExpectedAndFoundBytes() throws IOException {
    IdxFiles.write(images(), labels(), TestImages.labelled(3, 2, 2, 2, 0), false);
    byte[] bytes = Files.readAllBytes(images());
    Files.write(images(), Arrays.copyOf(bytes, bytes.length - 5));

    assertThatThrownBy(() -> IdxFiles.read(images(), labels(), 0))
        .isInstanceOf(DataException.class)
        .hasMessageContaining(images().toString())
        .hasMessageContaining("truncated")
        .hasMessageContaining("3 images of 2x2 pixels = 28 bytes")
        .hasMessageContaining("found 23");
  }

  @Test
  void read_truncatedGzipStream_failsNamingTheFile() throws IOException {
    IdxFiles.write(images(), labels(), TestImages.labelled(50, 2, 8, 8, 0), true);
    byte[] bytes = Files.readAllBytes(images());
    Files.write(images(), Arrays.copyOf(bytes, bytes.length / 2));

    assertThatThrownBy(() -> IdxFiles.read(images(), labels(), 0))
        .isInstanceOf(DataException.class)
        .hasMessageContaining(images().toString())
        .hasMessageContaining("truncated or corrupt");
  }

  @Test
  void read_headerShorterThanSixteenBytes_fails() throws IOException {
    Files.write(images(), new byte[] {0, 0, 8, 3, 0, 0});
    IdxFiles.write(dir.resolve("unused"), labels(), TestImages.labelled(1, 1, 1, 1, 0), false);

    assertThatThrownBy(() -> IdxFiles.read(images(), labels(), 0))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("expected 16 bytes, found 6");
  }

  @Test
  void read_labelsFileGivenAsImages_failsWithExpectedAndFoundMagic() {
    IdxFiles.write(dir.resolve("real-images"), labels(), TestImages.labelled(2, 2, 2, 2, 0), false);

    assertThatThrownBy(() -> IdxFiles.read(labels(), labels(), 0))
        .isInstanceOf(DataException.class)
        .hasMessageContaining(labels().toString())
        .hasMessageContaining("expected magic number 0x00000803, found 0x00000801");
  }

  @Test
  void read_imageAndLabelCountsDiffer_failsNamingBothCounts() {
    IdxFiles.write(images(), dir.resolve("unused"), TestImages.labelled(3, 2, 2, 2, 0), false);
    IdxFiles.write(dir.resolve("unused2"), labels(), TestImages.labelled(2, 2, 2, 2, 0), false);

    assertThatThrownBy(() -> IdxFiles.read(images(), labels(), 0))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("holds 2 labels")
        .hasMessageContaining("holds 3 images");
  }

  @Test
  void read_trailingBytesAfterData_fails() throws IOException {
    IdxFiles.write(images(), labels(), TestImages.labelled(2, 2, 2, 2, 0), false);
    Files.write(images(), new byte[] {1, 2}, StandardOpenOption.APPEND);

    assertThatThrownBy(() -> IdxFiles.read(images(), labels(), 0))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("trailing bytes");
  }

  @Test
  void read_missingFile_failsNamingIt() {
    assertThatThrownBy(() -> IdxFiles.read(images(), labels(), 0))
        .isInstanceOf(DataException.class)
        .hasMessageContaining(images() + ": file not found");
  }

  @Test
  void write_multiChannelSet_isRejected() {
    ImageSet rgb = new ImageSet(new float[3], new int[1], new long[1], 3, 1, 1);
    assertThatThrownBy(() -> IdxFiles.write(images(), labels(), rgb, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("one channel");
  }
}
