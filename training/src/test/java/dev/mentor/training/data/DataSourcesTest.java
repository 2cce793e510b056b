package dev.mentor.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mentor.messages.spec.DataSpec;
import dev.mentor.messages.spec.SpecException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSourcesTest {
  @TempDir Path dir;

  @Test
  void load_synthetic_usesSpecCountsAndDefaultSize() {
    SourceData data = DataSources.load(new DataSpec(DataSpec.Source.SYNTHETIC, null, null, null, 3, 8), null);

    assertThat(data.numClasses()).isEqualTo(3);
    assertThat(data.train().size()).isEqualTo(24);
    assertThat(data.train().height()).isEqualTo(28);
    assertThat(data.train().width()).isEqualTo(28);
    assertThat(data.train().rawPixels())
        .containsExactly(SyntheticData.generate(3, 8, 28, 28, 12345).train().rawPixels());
  }

  @Test
  void load_idx_resolvesRelativePathAgainstExperimentFolder() throws IOException {
    TestImages.writeIdxFolder(Files.createDirectories(dir.resolve("data/mine")), 6, 4, 3, 2);

    SourceData data = DataSources.load(new DataSpec(DataSpec.Source.IDX, "data/mine", null, null, null, null), dir);

    assertThat(data.train().size()).isEqualTo(6);
    assertThat(data.test().size()).isEqualTo(4);
    assertThat(data.classNames()).containsExactly("class-0", "class-1", "class-2");
  }

  @Test
  void load_idxFolderLackingFiles_failsListingThem() throws IOException {
    Files.createDirectories(dir.resolve("empty"));

    assertThatThrownBy(() -> DataSources.load(new DataSpec(DataSpec.Source.IDX, "empty", null, null, null, null), dir))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("train-images-idx3-ubyte.gz")
        .hasMessageContaining("t10k-labels-idx1-ubyte.gz");
  }

  @Test
  void load_idxWithRequestedSize_resizesBothSplits() {
    TestImages.writeIdxFolder(dir, 6, 4, 3, 4);

    SourceData data = DataSources.load(new DataSpec(DataSpec.Source.IDX, dir.toString(), 2, 2, null, null), null);

    assertThat(data.train().height()).isEqualTo(2);
    assertThat(data.test().width()).isEqualTo(2);
    assertThat(data.train().labels()).containsExactly(0, 1, 2, 0, 1, 2);
  }

  @Test
  void load_csv_dispatchesToCsvSource() throws IOException {
    Files.writeString(dir.resolve("train.csv"), "1,0,0,0,0\n");
    Files.writeString(dir.resolve("test.csv"), "0,0,0,0,0\n");

    SourceData data = DataSources.load(new DataSpec(DataSpec.Source.CSV, ".", null, null, null, null), dir);

    assertThat(data.train().labels()).containsExactly(1);
  }

  @Test
  void load_imageFolderWithoutSubfolders_reportsTheMissingFolder() {
    assertThatThrownBy(() -> DataSources.load(new DataSpec(DataSpec.Source.IMAGE_FOLDER, "pics", null, null, null, null), dir))
        .isInstanceOf(DataException.class)
        .hasMessageContaining(dir.resolve("pics").resolve("train") + ": folder not found");
  }
  @Test
  void load_fashionMnistPathThatIsNoFolder_isRefusedNamingDataPath() {
    Path missing = dir.resolve("no-such-folder");

    assertThatThrownBy(() -> DataSources.load(new DataSpec(DataSpec.Source.FASHION_MNIST, missing.toString(), null, null, null, null), null))
        .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.field()).isEqualTo("data.path"))
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("no such folder")
        .hasMessageContaining("train-images-idx3-ubyte");
  }

  @Test
  void load_fashionMnistPathWithoutTheFiles_isRefusedSayingWhatItHolds() throws IOException {
    Path etc = Files.createDirectories(dir.resolve("etc"));
    Files.writeString(etc.resolve("hosts"), "127.0.0.1 localhost\n");
    Files.writeString(etc.resolve("train-labels-idx1-ubyte.gz"), "");

    assertThatThrownBy(() -> DataSources.load(new DataSpec(DataSpec.Source.FASHION_MNIST, "etc", null, null, null, null), dir))
        .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.field()).isEqualTo("data.path"))
        .hasMessageContaining(etc.toString())
        .hasMessageContaining("hosts")
        .hasMessageContaining("t10k-images-idx3-ubyte")
        .hasMessageContaining("train-labels-idx1-ubyte.gz");
  }

  @Test
  void load_fashionMnistPathHoldingTheFiles_readsThem() throws IOException {
    TestImages.writeIdxFolder(Files.createDirectories(dir.resolve("mine")), 6, 4, 3, 28);

    SourceData data = DataSources.load(new DataSpec(DataSpec.Source.FASHION_MNIST, "mine", null, null, null, null), dir);

    assertThat(data.train().size()).isEqualTo(6);
    assertThat(data.classNames()).isEqualTo(FashionMnist.CLASS_NAMES);
  }
}
