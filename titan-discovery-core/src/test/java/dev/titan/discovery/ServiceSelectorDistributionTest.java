package dev.titan.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Selection over a fixed node list (no Redis): how each strategy distributes picks, zone
 * preference, status filtering, the query, the empty case. Counts, never timings.
 */
class ServiceSelectorDistributionTest {

  static final ServiceQuery ORDERS = ServiceQuery.service("orders").build();

  static NodeInfo node(String id, NodeStatus status, Map<String, String> metadata) {
    return new NodeInfo(id, "10.0.0." + Math.abs(id.hashCode() % 200) + ":8080",
        List.of(ServiceInfo.of("orders", "2.1.0")), 1L, status, metadata);
  }

  static NodeInfo up(String id) {
    return node(id, NodeStatus.UP, Map.of());
  }

  static NodeInfo inZone(String id, String zone) {
    return node(id, NodeStatus.UP, Map.of("zone", zone));
  }

  static NodeInfo weighted(String id, int weight) {
    return node(id, NodeStatus.UP, Map.of("weight", Integer.toString(weight)));
  }

  static ServiceSelector selector(SelectionStrategy strategy, List<NodeInfo> nodes) {
    return ServiceSelector.builderForNodes(ORDERS).strategy(strategy).buildForNodes(nodes);
  }

  static Map<String, Integer> count(ServiceSelector s, int picks) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      counts.merge(s.next().nodeId(), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void roundRobinIsExactlyEven() {
    List<NodeInfo> nodes = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      nodes.add(up("n" + i));
    }
    ServiceSelector s = selector(SelectionStrategy.ROUND_ROBIN, nodes);
    Map<String, Integer> counts = count(s, 7 * 1000);
    assertThat(counts).hasSize(7).allSatisfy((id, c) -> assertThat(c).isEqualTo(1000));
    // and in turn: 7 picks in a row are 7 different instances
    List<String> round = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      round.add(s.next().nodeId());
    }
    assertThat(round).doesNotHaveDuplicates();
  }

  @Test
  void randomCoversEveryInstanceRoughlyEvenly() {
    ServiceSelector s = selector(SelectionStrategy.RANDOM, List.of(up("a"), up("b"), up("c"), up("d")));
    Map<String, Integer> counts = count(s, 400_000);
    assertThat(counts).hasSize(4).allSatisfy((id, c) -> assertThat(c / 400_000.0).isCloseTo(0.25, within(0.01)));
  }

  @Test
  void weightedIsWithinTwoPercentOfTheWeightsOverAMillionPicks() {
    ServiceSelector s = selector(SelectionStrategy.WEIGHTED,
        List.of(weighted("w1", 1), weighted("w2", 2), weighted("w3", 3), up("w1b"), weighted("w10", 10)));
    int picks = 1_000_000;
    Map<String, Integer> counts = count(s, picks);
    Map<String, Integer> weights = Map.of("w1", 1, "w2", 2, "w3", 3, "w1b", 1, "w10", 10);
    double total = 17;
    weights.forEach((id, w) -> {
      double expected = w / total;
      double actual = counts.getOrDefault(id, 0) / (double) picks;
      assertThat(Math.abs(actual - expected) / expected).as("relative error of %s", id).isLessThan(0.02);
    });
  }

  @Test
  void zonePreferenceNeverLeavesTheZoneWhileOneInstanceThereIsUp() {
    ServiceSelector.Builder b = ServiceSelector.builderForNodes(ORDERS).preferZone("eu-1");
    for (SelectionStrategy strategy : SelectionStrategy.values()) {
      ServiceSelector s = b.strategy(strategy).buildForNodes(List.of(
          inZone("eu-a", "eu-1"), inZone("eu-b", "eu-1"), inZone("us-a", "us-1"), inZone("us-b", "us-1"), up("nozone")));
      assertThat(count(s, 10_000).keySet()).as("%s", strategy).isSubsetOf("eu-a", "eu-b");
      // one zone instance drains: the other one takes everything
      s.setNodes(List.of(node("eu-a", NodeStatus.DRAINING, Map.of("zone", "eu-1")), inZone("eu-b", "eu-1"),
          inZone("us-a", "us-1"), up("nozone")));
      assertThat(count(s, 1_000).keySet()).as("%s", strategy).containsExactly("eu-b");
      assertThat(s.stats().inPreferredZone()).isTrue();
      // none UP in the zone: the others
      s.setNodes(List.of(node("eu-a", NodeStatus.DRAINING, Map.of("zone", "eu-1")),
          node("eu-b", NodeStatus.OUT_OF_SERVICE, Map.of("zone", "eu-1")), inZone("us-a", "us-1"), up("nozone")));
      assertThat(count(s, 1_000).keySet()).as("%s", strategy).isSubsetOf("us-a", "nozone").isNotEmpty();
      assertThat(s.stats().inPreferredZone()).isFalse();
      // back in the zone at once
      s.setNodes(List.of(inZone("eu-a", "eu-1"), inZone("us-a", "us-1")));
      assertThat(count(s, 1_000).keySet()).as("%s", strategy).containsExactly("eu-a");
    }
  }

  @Test
  void onlyUpInstancesAreChosen() {
    for (SelectionStrategy strategy : SelectionStrategy.values()) {
      ServiceSelector s = selector(strategy, List.of(up("up1"), node("dr", NodeStatus.DRAINING, Map.of()),
          node("oos", NodeStatus.OUT_OF_SERVICE, Map.of()), up("up2")));
      assertThat(count(s, 10_000).keySet()).as("%s", strategy).isSubsetOf("up1", "up2");
      for (int i = 0; i < 100; i++) {
        try (ServiceSelector.Call call = s.select()) {
          assertThat(call.node().status()).isEqualTo(NodeStatus.UP);
        }
      }
    }
  }

  @Test
  void powerOfTwoChoicesPrefersTheLessLoaded() {
    ServiceSelector s = selector(SelectionStrategy.POWER_OF_TWO_CHOICES, List.of(up("busy"), up("idle1"), up("idle2")));
    // 150 calls held, balanced by load (about 50 each); then the others' calls finish: about 50 outstanding on "busy"
    List<ServiceSelector.Call> held = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      held.add(s.select());
    }
    assertThat(held).filteredOn(c -> c.node().nodeId().equals("busy")).hasSizeBetween(45, 55);
    held.removeIf(c -> {
      if (c.node().nodeId().equals("busy")) {
        return false;
      }
      c.success();
      return true;
    });
    // whatever two are drawn, "busy" loses: it is never chosen while loaded
    assertThat(count(s, 10_000)).doesNotContainKey("busy").containsKeys("idle1", "idle2");
    held.forEach(ServiceSelector.Call::close);
    assertThat(count(s, 10_000)).containsKey("busy");
    // with two instances, the one with fewer outstanding calls always wins
    ServiceSelector two = selector(SelectionStrategy.POWER_OF_TWO_CHOICES, List.of(up("x"), up("y")));
    List<ServiceSelector.Call> calls = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      calls.add(two.select());
    }
    Map<String, Long> perNode = new HashMap<>();
    calls.forEach(c -> perNode.merge(c.node().nodeId(), 1L, Long::sum));
    assertThat(perNode.get("x")).isBetween(499L, 501L); // balanced by load, not by chance
    calls.forEach(ServiceSelector.Call::close);
    assertThat(two.stats().instances()).allSatisfy(i -> assertThat(i.outstanding()).isZero());
  }

  @Test
  void leastResponseTimePrefersTheFaster() {
    AtomicLong clock = new AtomicLong();
    ServiceSelector s = ServiceSelector.builderForNodes(ORDERS).strategy(SelectionStrategy.LEAST_RESPONSE_TIME)
        .nanoTime(clock::get).buildForNodes(List.of(up("fast"), up("mid"), up("slow")));
    Map<String, Long> latency = Map.of("fast", 1_000_000L, "mid", 5_000_000L, "slow", 50_000_000L);
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 30_000; i++) {
      try (ServiceSelector.Call call = s.select()) {
        clock.addAndGet(latency.get(call.node().nodeId())); // the call takes its instance's latency
        call.success();
        counts.merge(call.node().nodeId(), 1, Integer::sum);
      }
    }
    // each unmeasured instance is tried first; afterwards the slowest never wins a pair, the
    // fastest wins every pair it is in (2 of 3)
    assertThat(counts.getOrDefault("slow", 0)).isLessThanOrEqualTo(1);
    assertThat(counts.get("fast") / 30_000.0).isCloseTo(2.0 / 3, within(0.02));
    assertThat(s.stats().instances()).filteredOn(i -> i.node().nodeId().equals("fast"))
        .singleElement().satisfies(i -> assertThat(i.latencyEwmaNanos()).isEqualTo(1_000_000L));
  }

  @Test
  void stickyStaysUntilItsInstanceGoes() {
    ServiceSelector s = selector(SelectionStrategy.STICKY, List.of(up("a"), up("b"), up("c")));
    String first = s.next().nodeId();
    assertThat(count(s, 1_000)).containsOnlyKeys(first);
    // another instance leaving changes nothing
    List<NodeInfo> others = new ArrayList<>(List.of(up("a"), up("b"), up("c"), up("d")));
    others.removeIf(n -> !n.nodeId().equals(first) && !n.nodeId().equals("d"));
    s.setNodes(others);
    assertThat(count(s, 1_000)).containsOnlyKeys(first);
    // it drains: another one, which sticks
    s.setNodes(List.of(node(first, NodeStatus.DRAINING, Map.of()), up("d"), up("e")));
    String second = s.next().nodeId();
    assertThat(second).isIn("d", "e");
    assertThat(count(s, 1_000)).containsOnlyKeys(second);
    // it leaves: the remaining one
    String third = second.equals("d") ? "e" : "d";
    s.setNodes(List.of(up(third)));
    assertThat(count(s, 100)).containsOnlyKeys(third);
    // the first one coming back does not move it
    s.setNodes(List.of(up(first), up(third)));
    assertThat(count(s, 1_000)).containsOnlyKeys(third);
  }

  @Test
  void theQueryFiltersVersionsAndMetadata() {
    ServiceQuery q = ServiceQuery.service("orders").versionRange("^2").metadata("tier", "gold").build();
    NodeInfo v1 = new NodeInfo("v1", "h:1", List.of(ServiceInfo.of("orders", "1.9.0")), 1L, NodeStatus.UP, Map.of("tier", "gold"));
    NodeInfo v2 = new NodeInfo("v2", "h:2", List.of(ServiceInfo.of("orders", "2.3.0")), 1L, NodeStatus.UP, Map.of("tier", "gold"));
    NodeInfo v2silver = new NodeInfo("v2s", "h:3", List.of(ServiceInfo.of("orders", "2.3.0")), 1L, NodeStatus.UP, Map.of("tier", "silver"));
    NodeInfo other = new NodeInfo("o", "h:4", List.of(ServiceInfo.of("users", "2.0.0")), 1L, NodeStatus.UP, Map.of("tier", "gold"));
    ServiceSelector s = ServiceSelector.builderForNodes(q).strategy(SelectionStrategy.RANDOM).buildForNodes(List.of(v1, v2, v2silver, other));
    assertThat(count(s, 1_000)).containsOnlyKeys("v2");
  }

  @Test
  void anEmptySelectionFailsFastNamingTheServiceAndTheQuery() {
    ServiceQuery q = ServiceQuery.service("orders").versionRange("^2").build();
    ServiceSelector none = ServiceSelector.builderForNodes(q).buildForNodes(List.of());
    assertThatThrownBy(none::next).isInstanceOf(NoInstanceAvailableException.class)
        .hasMessageContaining("'orders'").hasMessageContaining("versionRange=^2").hasMessageContaining("no instance matches")
        .satisfies(e -> assertThat(((NoInstanceAvailableException) e).query()).isEqualTo(q));
    assertThatThrownBy(none::select).isInstanceOf(NoInstanceAvailableException.class);
    assertThat(none.nextIfAny()).isEmpty();
    assertThat(none.selectIfAny()).isEmpty();

    none.setNodes(List.of(node("d", NodeStatus.DRAINING, Map.of()), node("o", NodeStatus.OUT_OF_SERVICE, Map.of())));
    assertThatThrownBy(none::next).isInstanceOf(NoInstanceAvailableException.class)
        .isInstanceOf(DiscoveryException.class)
        .hasMessageContaining("2 match, none is UP (1 DRAINING, 1 OUT_OF_SERVICE)");
    none.setNodes(List.of(up("u")));
    assertThat(none.nextIfAny()).map(NodeInfo::nodeId).contains("u");
    assertThat(none.selectIfAny()).hasValueSatisfying(c -> {
      assertThat(c.address()).isEqualTo(up("u").address());
      c.close();
    });
  }

  @Test
  void leasesCountOutstandingCallsAndOutcomesOnce() {
    AtomicLong clock = new AtomicLong(1_000);
    ServiceSelector s = ServiceSelector.builderForNodes(ORDERS).nanoTime(clock::get).buildForNodes(List.of(up("a")));
    ServiceSelector.Call c1 = s.select();
    ServiceSelector.Call c2 = s.select();
    ServiceSelector.Call c3 = s.select();
    assertThat(s.stats().instances().get(0).outstanding()).isEqualTo(3);
    clock.addAndGet(7_000);
    c1.success();
    c1.failure(new RuntimeException("late")); // ignored: already finished
    c1.close();
    c2.failure(null);
    c3.close();
    c3.success(); // ignored
    SelectorStats st = s.stats();
    assertThat(st.successes()).isEqualTo(1);
    assertThat(st.failures()).isEqualTo(1);
    assertThat(st.abandoned()).isEqualTo(1);
    SelectorStats.Instance a = st.instances().get(0);
    assertThat(a.outstanding()).isZero();
    assertThat(a.latencyEwmaNanos()).isEqualTo(7_000);
    assertThat(a.consecutiveFailures()).isEqualTo(1);
  }
}
