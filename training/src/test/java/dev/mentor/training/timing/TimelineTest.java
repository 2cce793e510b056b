package dev.mentor.training.timing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TimelineTest {
  @Test
  void spans_addUpPerPhase_inTheOrderPhasesFirstStarted() throws InterruptedException {
    Timeline timeline = new Timeline(System.currentTimeMillis());
    try (Timeline.Span span = timeline.start("second")) {
      Thread.sleep(5);
    }
    timeline.record("first", 3_000_000);
    try (Timeline.Span span = timeline.start("second")) {
      Thread.sleep(5);
    }

    // "first" was recorded as a span of 3 ms that ended after the first "second" had begun.
    assertThat(timeline.phases()).extracting(Timeline.Phase::name).containsExactly("second", "first");
    Timeline.Phase second = timeline.phases().get(0);
    assertThat(second.count()).isEqualTo(2);
    assertThat(second.totalMs()).isGreaterThanOrEqualTo(10);
    assertThat(second.lastEndMs()).isGreaterThanOrEqualTo(second.firstStartMs() + 10);
    assertThat(timeline.phases().get(1).totalMs()).isEqualTo(3.0);
    assertThat(timeline.table()).contains("second").contains("count");
  }

  @Test
  void processCpuSeconds_readsThisProcessesTimes() {
    double[] cpu = Timeline.processCpuSeconds();

    assertThat(cpu).hasSize(2);
    assertThat(cpu[0] + cpu[1]).isPositive();
  }
}
