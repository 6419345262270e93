package dev.titan.discovery;

import static dev.titan.discovery.ServiceSelectorDistributionTest.count;
import static dev.titan.discovery.ServiceSelectorDistributionTest.up;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Passive health on an injected clock (no sleeps): failures in a row eject, the back-off grows
 * per ejection and is capped, instances come back when it is over, the maximum share and the
 * panic threshold.
 */
class ServiceSelectorEjectionTest {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  private final AtomicLong clock = new AtomicLong(-5 * SECOND); // nanoTime may be negative

  private ServiceSelector selector(OutlierEjection ejection, NodeInfo... nodes) {
    return ServiceSelector.builderForNodes(ServiceSelectorDistributionTest.ORDERS).strategy(SelectionStrategy.ROUND_ROBIN)
        .outlierEjection(ejection).nanoTime(clock::get).buildForNodes(List.of(nodes));
  }

  /** Fails calls on one instance (round robin reaches it within a round). */
  private static void fail(ServiceSelector s, String id, int times) {
    int done = 0;
    while (done < times) {
      try (ServiceSelector.Call call = s.select()) {
        if (call.node().nodeId().equals(id)) {
          call.failure(new java.io.IOException("connection refused"));
          done++;
        } else {
          call.success();
        }
      }
    }
  }

  private static SelectorStats.Instance instance(ServiceSelector s, String id) {
    return s.stats().instances().stream().filter(i -> i.node().nodeId().equals(id)).findFirst().orElseThrow();
  }

  @Test
  void fiveFailuresEjectTheBackOffDoublesAndTheInstanceComesBack() {
    ServiceSelector s = selector(OutlierEjection.defaults(), up("a"), up("b"), up("c"), up("d"));

    fail(s, "a", 4);
    assertThat(instance(s, "a").ejected()).isFalse();
    assertThat(count(s, 400)).containsKey("a");
    fail(s, "a", 1); // the fifth in a row
    assertThat(instance(s, "a")).satisfies(a -> {
      assertThat(a.ejected()).isTrue();
      assertThat(a.ejections()).isEqualTo(1);
      assertThat(a.ejectedForNanos()).isEqualTo(30 * SECOND);
    });
    assertThat(s.stats().ejections()).isEqualTo(1);
    assertThat(s.stats().candidates()).isEqualTo(3);
    assertThat(count(s, 1_000)).doesNotContainKey("a");

    clock.addAndGet(30 * SECOND - 1);
    assertThat(count(s, 1_000)).doesNotContainKey("a");
    clock.addAndGet(1); // 30 s: back
    assertThat(count(s, 400)).containsEntry("a", 100);
    assertThat(s.stats().returns()).isEqualTo(1);
    assertThat(instance(s, "a").consecutiveFailures()).isZero();

    // a success after the return: the streak stays at 0, four failures do not eject
    fail(s, "a", 4);
    try (ServiceSelector.Call call = pickOn(s, "a")) {
      call.success();
    }
    fail(s, "a", 4);
    assertThat(instance(s, "a").ejected()).isFalse();

    // the second ejection lasts twice as long: 60 s
    fail(s, "a", 1);
    assertThat(instance(s, "a").ejectedForNanos()).isEqualTo(60 * SECOND);
    clock.addAndGet(60 * SECOND - 1);
    assertThat(count(s, 1_000)).doesNotContainKey("a");
    clock.addAndGet(1);
    assertThat(count(s, 400)).containsEntry("a", 100);

    // third 120 s, fourth 240 s, fifth capped at 5 min
    for (long expected : new long[] {120, 240, 300, 300}) {
      fail(s, "a", 5);
      assertThat(instance(s, "a").ejectedForNanos()).isEqualTo(expected * SECOND);
      clock.addAndGet(expected * SECOND);
      assertThat(count(s, 400)).containsEntry("a", 100);
    }

    // healthy for a whole maximum ejection time: the next ejection is a first one again
    clock.addAndGet(300 * SECOND);
    fail(s, "a", 5);
    assertThat(instance(s, "a")).satisfies(a -> {
      assertThat(a.ejections()).isEqualTo(1);
      assertThat(a.ejectedForNanos()).isEqualTo(30 * SECOND);
    });
  }

  private static ServiceSelector.Call pickOn(ServiceSelector s, String id) {
    while (true) {
      ServiceSelector.Call call = s.select();
      if (call.node().nodeId().equals(id)) {
        return call;
      }
      call.close();
    }
  }

  @Test
  void failuresInterruptedBySuccessOrAbandonedCallsDoNotEject() {
    ServiceSelector s = selector(OutlierEjection.defaults(), up("a"), up("b"));
    fail(s, "a", 4);
    pickOn(s, "a").close(); // neither success nor failure: the streak stays
    assertThat(instance(s, "a").consecutiveFailures()).isEqualTo(4);
    try (ServiceSelector.Call call = pickOn(s, "a")) {
      call.success();
    }
    fail(s, "a", 4);
    assertThat(instance(s, "a").ejected()).isFalse();
    assertThat(s.stats().ejections()).isZero();
  }

  @Test
  void withTwoInstancesAndFiftyPercentTheSecondEjectionIsRefused() {
    ServiceSelector s = selector(OutlierEjection.defaults(), up("a"), up("b"));
    fail(s, "a", 5);
    assertThat(instance(s, "a").ejected()).isTrue();
    assertThat(count(s, 100)).containsOnlyKeys("b");
    fail(s, "b", 5); // would leave nothing: refused
    assertThat(instance(s, "b").ejected()).isFalse();
    assertThat(s.stats().refusedEjections()).isEqualTo(1);
    fail(s, "b", 3); // still refused, once per failure past the threshold
    assertThat(s.stats().refusedEjections()).isEqualTo(4);
    assertThat(count(s, 100)).containsOnlyKeys("b");
    assertThat(s.stats().ejected()).isEqualTo(1);

    // a single instance is never ejected
    ServiceSelector one = selector(OutlierEjection.defaults(), up("only"));
    fail(one, "only", 20);
    assertThat(one.next().nodeId()).isEqualTo("only");
  }

  @Test
  void belowThePanicThresholdEveryUpInstanceIsUsed() {
    ServiceSelector s = selector(OutlierEjection.defaults(), up("a"), up("b"), up("c"), up("d"));
    fail(s, "a", 5);
    fail(s, "b", 5); // 2 of 4 ejected: the maximum
    assertThat(count(s, 100)).containsOnlyKeys("c", "d");
    fail(s, "c", 5); // a third would pass 50 %: refused
    assertThat(s.stats().refusedEjections()).isEqualTo(1);
    assertThat(s.stats().panic()).isFalse();

    // d leaves: 1 of 3 UP instances not ejected, below 50 %: all UP instances are used
    s.setNodes(List.of(up("a"), up("b"), up("c")));
    SelectorStats st = s.stats();
    assertThat(st.panic()).isTrue();
    assertThat(st.candidates()).isEqualTo(3);
    assertThat(count(s, 300)).containsOnlyKeys("a", "b", "c");

    // an ejection over: out of panic (2 of 3 not ejected)
    clock.addAndGet(30 * SECOND);
    assertThat(count(s, 300)).containsOnlyKeys("a", "b", "c");
    assertThat(s.stats().panic()).isFalse();
    assertThat(s.stats().ejected()).isZero();
  }

  @Test
  void disabledEjectionNeverEjectsAndACustomConfigurationApplies() {
    ServiceSelector off = selector(OutlierEjection.disabled(), up("a"), up("b"), up("c"));
    fail(off, "a", 50);
    assertThat(count(off, 300)).containsEntry("a", 100);
    assertThat(off.stats().failures()).isEqualTo(50);

    OutlierEjection custom = OutlierEjection.builder().consecutiveFailures(2).baseEjectionTime(Duration.ofSeconds(1))
        .maxEjectionTime(Duration.ofSeconds(3)).maxEjectionPercent(100).panicThresholdPercent(0).build();
    ServiceSelector s = selector(custom, up("a"), up("b"));
    fail(s, "a", 2);
    fail(s, "b", 2);
    assertThat(s.stats().ejected()).isEqualTo(2);
    assertThat(s.nextIfAny()).isEmpty();
    org.assertj.core.api.Assertions.assertThatThrownBy(s::next).isInstanceOf(NoInstanceAvailableException.class)
        .hasMessageContaining("2 UP, all ejected");
    clock.addAndGet(SECOND);
    assertThat(count(s, 10)).containsOnlyKeys("a", "b");
  }

  @Test
  void anInstanceThatLeavesLosesItsStateAndLateOutcomesAreHarmless() {
    ServiceSelector s = selector(OutlierEjection.defaults(), up("a"), up("b"), up("c"));
    List<ServiceSelector.Call> onA = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      onA.add(pickOn(s, "a"));
    }
    s.setNodes(List.of(up("b"), up("c")));
    onA.forEach(c -> c.failure(null)); // after it left: counted, never ejects anything
    assertThat(s.stats().ejections()).isZero();
    s.setNodes(List.of(up("a"), up("b"), up("c")));
    assertThat(instance(s, "a").consecutiveFailures()).isZero();
    assertThat(count(s, 300)).containsEntry("a", 100);
  }
}
