package dev.mentor.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A loop is ready while it beats or retries briefly; stuck or dead loops make the process not ready and are counted. */
class LoopHealthTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final LoopHealth health = new LoopHealth(now::get);

  private void advance(Duration by) {
    now.addAndGet(by.toNanos());
  }

  @Test
  void aLoopThatStopsBeatingOrKeepsFailingIsStuck_andOneThatDiesIsDead() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    health.bindTo(registry);
    LoopHealth.Loop jobs = health.register("mentor-job-intake", Duration.ofSeconds(30));
    LoopHealth.Loop control = health.register("mentor-control", Duration.ofSeconds(30));
    assertThat(health.healthy()).isTrue();

    advance(Duration.ofSeconds(20));
    jobs.beat();
    control.retrying(new IllegalStateException("broker away"));
    assertThat(health.state("mentor-control")).isEqualTo(LoopHealth.State.RETRYING);
    assertThat(health.healthy()).as("a short outage is not a failure of the process").isTrue();

    advance(Duration.ofSeconds(31));
    control.retrying(new IllegalStateException("broker away"));
    assertThat(health.state("mentor-control")).isEqualTo(LoopHealth.State.STUCK);
    assertThat(health.state("mentor-job-intake")).as("no beat for 31 s").isEqualTo(LoopHealth.State.STUCK);
    assertThat(health.healthy()).isFalse();
    assertThat(health.problems()).anySatisfy(p -> assertThat(p).startsWith("mentor-control: stuck").contains("broker away"));

    jobs.beat();
    control.beat();
    assertThat(health.healthy()).isTrue();

    control.died(new SecurityException("not authorized"));
    assertThat(health.healthy()).isFalse();
    assertThat(registry.get("mentor.loops").tag("state", "dead").gauge().value()).isEqualTo(1.0);
    assertThat(registry.get("mentor.loop.errors").tag("loop", "mentor-control").counter().count()).isGreaterThanOrEqualTo(1.0);

    health.unregister(control);
    assertThat(health.healthy()).as("a loop closed on purpose no longer counts").isTrue();
  }
}
