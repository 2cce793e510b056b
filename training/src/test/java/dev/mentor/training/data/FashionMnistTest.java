package dev.mentor.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
  private static String previousOffline;

  @TempDir Path tmp;

  /** These tests go through the real environment's locator; make sure a bug cannot start a download. */
  @BeforeAll
  static void goOffline() {
    previousOffline = System.setProperty("MENTOR_OFFLINE", "true");
  }

  @AfterAll
  static void restoreOffline() {
    if (previousOffline == null) {
      System.clearProperty("MENTOR_OFFLINE");
    } else {
      System.setProperty("MENTOR_OFFLINE", previousOffline);
    }
  }

  @Test
  void load_sameFolderTwice_returnsTheCachedCopy() {
    TestImages.writeIdxFolder(tmp, 6, 3, 3, 2);

    SourceData first = FashionMnist.load(tmp.toString());
    SourceData second = FashionMnist.load(tmp.resolve(".").toString());

    assertThat(second).isSameAs(first);
    assertThat(first.classNames()).hasSize(10).startsWith("T-shirt/top", "Trouser").endsWith("Ankle boot");
    assertThat(first.train().size()).isEqualTo(6);
    assertThat(first.test().sampleId(0)).isEqualTo(SourceData.TEST_ID_OFFSET);
  }

  @Test
  void load_concurrentFirstLoads_allGetOneCopy() throws Exception {
    TestImages.writeIdxFolder(tmp, 6, 3, 3, 2);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<SourceData>> loads = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        loads.add(pool.submit(() -> FashionMnist.load(tmp.toString())));
      }
      SourceData first = loads.get(0).get();
      for (Future<SourceData> load : loads) {
        assertThat(load.get()).isSameAs(first);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void load_realDebianFiles_haveTheKnownSizesBalancedLabelsAndPixelRange() {
    assumeTrue(IdxLayout.in(FashionMnistLocator.DEBIAN_DIR) != null, "Debian package dataset-fashion-mnist not installed");

    SourceData data = FashionMnist.load(FashionMnistLocator.DEBIAN_DIR.toString());

    assertThat(data.train().size()).isEqualTo(60_000);
    assertThat(data.test().size()).isEqualTo(10_000);
    assertThat(data.train().height()).isEqualTo(28);
    assertThat(data.train().width()).isEqualTo(28);
    int[] counts = new int[10];
    for (int label : data.train().labels()) {
      counts[label]++;
    }
    assertThat(counts).containsOnly(6000);
    float min = Float.MAX_VALUE;
    float max = -Float.MAX_VALUE;
    for (float v : data.train().rawPixels()) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assertThat(min).isEqualTo(0f);
    assertThat(max).isEqualTo(1f);
  }
}
