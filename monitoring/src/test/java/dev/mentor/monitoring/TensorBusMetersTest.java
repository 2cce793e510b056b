package dev.mentor.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** The tensor bus meters: counts by direction and kind, lag summary, cache hits and misses. */
class TensorBusMetersTest {
  @Test
  void framesBytesLagAndCacheLookupsAreCountedByTheirTags() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    TensorBusMeters bus = new TensorBusMeters();
    bus.bindTo(registry);
    bus.produced("logits", 1000);
    bus.produced("logits", 500);
    bus.consumed("features", 4096);
    bus.lag(3);
    bus.lag(7);
    bus.cacheLookups(128, 120);

    assertThat(registry.get("mentor.tensor.frames").tags("direction", "produced", "kind", "logits").functionCounter().count()).isEqualTo(2);
    assertThat(registry.get("mentor.tensor.bytes").tags("direction", "produced", "kind", "logits").functionCounter().count()).isEqualTo(1500);
    assertThat(registry.get("mentor.tensor.frames").tags("direction", "consumed", "kind", "features").functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("mentor.tensor.frames").tags("direction", "consumed", "kind", "logits").functionCounter().count()).isZero();
    assertThat(registry.get("mentor.tensor.lag").summary().count()).isEqualTo(2);
    assertThat(registry.get("mentor.tensor.lag").summary().max()).isEqualTo(7);
    assertThat(registry.get("mentor.tensor.lag").summary().totalAmount()).isEqualTo(10);
    assertThat(registry.get("mentor.teacher.cache.lookups").tag("result", "hit").functionCounter().count()).isEqualTo(120);
    assertThat(registry.get("mentor.teacher.cache.lookups").tag("result", "miss").functionCounter().count()).isEqualTo(8);
    assertThat(registry.getMeters()).allSatisfy(m -> assertThat(m.getId().getDescription()).as(m.getId().getName()).isNotBlank());
  }

  @Test
  void anUnknownKindOrImpossibleHitCountIsRefused() {
    TensorBusMeters bus = new TensorBusMeters();
    assertThatThrownBy(() -> bus.produced("weights", 1)).hasMessageContaining("kind must be one of").hasMessageContaining("logits");
    assertThatThrownBy(() -> bus.cacheLookups(4, 5)).hasMessageContaining("hits must be in [0, lookups=4]");
  }
}
