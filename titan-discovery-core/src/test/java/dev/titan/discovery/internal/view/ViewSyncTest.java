package dev.titan.discovery.internal.view;

import static org.assertj.core.api.Assertions.assertThat;

import dev.titan.discovery.DiscoveryEvent;
import dev.titan.discovery.DiscoveryEvent.Type;
import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.ServiceInfo;
import dev.titan.discovery.internal.registry.RegistryReader.Snapshot;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The view's sync logic against a scripted source, on the test thread (no Redis, no timing). */
class ViewSyncTest {

  /** Snapshots and point reads are answered when the test says so. */
  private static final class FakeSource implements ViewSync.Source {
    final Queue<CompletableFuture<Snapshot>> snapshots = new ArrayDeque<>();
    final Map<String, Optional<NodeInfo>> points = new HashMap<>();
    /** When set, point reads wait in {@code pending} until the test answers them. */
    boolean defer;
    final Queue<Set<String>> pendingIds = new ArrayDeque<>();
    final Queue<CompletableFuture<Map<String, Optional<NodeInfo>>>> pending = new ArrayDeque<>();
    int reads;

    @Override
    public CompletableFuture<Snapshot> snapshot() {
      CompletableFuture<Snapshot> f = new CompletableFuture<>();
      snapshots.add(f);
      return f;
    }

    @Override
    public CompletableFuture<Map<String, Optional<NodeInfo>>> read(Set<String> ids) {
      reads++;
      if (defer) {
        CompletableFuture<Map<String, Optional<NodeInfo>>> f = new CompletableFuture<>();
        pendingIds.add(Set.copyOf(ids));
        pending.add(f);
        return f;
      }
      return CompletableFuture.completedFuture(answer(ids));
    }

    Map<String, Optional<NodeInfo>> answer(Set<String> ids) {
      Map<String, Optional<NodeInfo>> out = new HashMap<>();
      ids.forEach(id -> out.put(id, points.getOrDefault(id, Optional.empty())));
      return out;
    }

    /** Answers the oldest deferred read with what {@code points} holds now; returns its ids. */
    Set<String> answerNext() {
      Set<String> ids = pendingIds.remove();
      pending.remove().complete(answer(ids));
      return ids;
    }
  }

  private final FakeSource source = new FakeSource();
  private final ViewIndex index = new ViewIndex();
  private final List<DiscoveryEvent> changes = new ArrayList<>();
  private final ViewSync sync = new ViewSync(index, source, Runnable::run, changes::add);

  private static NodeInfo node(String id, String... services) {
    List<ServiceInfo> list = new ArrayList<>();
    for (String s : services) {
      String[] p = s.split("@");
      list.add(ServiceInfo.of(p[0], p.length > 1 ? p[1] : null));
    }
    return new NodeInfo(id, "10.0.0.1:80", list, 1);
  }

  private static DiscoveryEvent event(Type type, NodeInfo n) {
    return new DiscoveryEvent(type, n.nodeId(), n.address(), n.services(), 2);
  }

  private void ours(long version, Type type, NodeInfo n) {
    sync.onSequence(version + " " + n.nodeId());
    sync.onEvent(event(type, n));
  }

  private void loaded(long version, NodeInfo... nodes) {
    source.snapshots.remove().complete(new Snapshot(List.of(nodes), version));
  }

  @Test
  void appliesEventsInStepAndIndexesByServiceAndVersion() {
    sync.resync();
    loaded(5000, node("a", "web@1"));
    assertThat(sync.inStep()).isTrue();
    ours(5001, Type.NODE_REGISTERED, node("b", "web@2", "db"));
    ours(5002, Type.NODE_UPDATED, node("a", "db@1"));
    assertThat(index.find("web", null)).extracting(NodeInfo::nodeId).containsExactly("b");
    assertThat(index.find("web", "2")).extracting(NodeInfo::nodeId).containsExactly("b");
    assertThat(index.find("web", "1")).isEmpty();
    assertThat(index.find("db", null)).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "b");
    assertThat(index.find("db", "1")).extracting(NodeInfo::nodeId).containsExactly("a");
    ours(5003, Type.NODE_DEREGISTERED, node("b"));
    assertThat(index.find("web", null)).isEmpty();
    assertThat(index.nodes()).extracting(NodeInfo::nodeId).containsExactly("a");
    assertThat(sync.version()).isEqualTo(5003);
    assertThat(source.snapshots).isEmpty(); // no gap, no read
  }

  @Test
  void aVersionGapTriggersOneFullRead() {
    sync.resync();
    loaded(5000);
    ours(5002, Type.NODE_REGISTERED, node("b", "web")); // 5001 was missed
    assertThat(source.snapshots).hasSize(1);
    assertThat(sync.inStep()).isFalse();
    loaded(5002, node("a", "web"), node("b", "web"));
    assertThat(index.find("web", null)).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "b");
    assertThat(changes).extracting(DiscoveryEvent::nodeId).contains("a");
    assertThat(sync.inStep()).isTrue();
  }

  @Test
  void aSequenceMessageWithoutItsEventIsAGap() {
    sync.resync();
    loaded(7000);
    sync.onSequence("7001 x");
    sync.onSequence("7002 y");
    assertThat(source.snapshots).hasSize(1);
  }

  @Test
  void eventsDuringAFullReadAreReplayedOnlyWhenNewerThanTheSnapshot() {
    sync.resync();
    ours(9001, Type.NODE_REGISTERED, node("old", "web")); // before the snapshot: already in it
    ours(9002, Type.NODE_DEREGISTERED, node("old"));
    ours(9003, Type.NODE_REGISTERED, node("new", "web")); // after it
    loaded(9002, node("a", "web"));
    assertThat(index.nodes()).extracting(NodeInfo::nodeId).containsExactlyInAnyOrder("a", "new");
    assertThat(sync.version()).isEqualTo(9003);
    assertThat(source.snapshots).isEmpty();
  }

  @Test
  void unversionedEventsOfUnsureOrderAreReadAgainOneByOne() {
    sync.resync();
    sync.onEvent(event(Type.NODE_REGISTERED, node("ts-gone", "web"))); // TypeScript, order unknown
    sync.onEvent(event(Type.NODE_REGISTERED, node("ts-new", "web")));
    source.points.put("ts-new", Optional.of(node("ts-new", "web")));
    loaded(100);
    assertThat(source.reads).isEqualTo(1);
    assertThat(index.nodes()).extracting(NodeInfo::nodeId).containsExactly("ts-new");
  }

  @Test
  void anUnversionedEventIsNeverAppliedItsNodeIsReadAgainAndMeanwhileTheViewIsNotVouchedFor() {
    source.defer = true;
    sync.resync();
    loaded(100, node("n1", "web@1"));
    assertThat(sync.inStepContent(null, null)).isNotNull();
    // TypeScript's updateNodeAddress("n1", ...) publishes its own address and services under n1
    sync.onEvent(new DiscoveryEvent(Type.NODE_UPDATED, "n1", "10.9.9.9:3000", List.of(ServiceInfo.of("ts-own")), 2));
    assertThat(index.node("n1").orElseThrow().address()).isEqualTo("10.0.0.1:80");
    assertThat(index.find("ts-own", null)).isEmpty();
    assertThat(sync.inStepContent(null, null)).isNull(); // lookups go to Redis
    assertThat(sync.inStepContent("web", null)).isNull();
    sync.onEvent(event(Type.NODE_REGISTERED, node("ts", "web@1"))); // waits for the read in flight
    assertThat(source.pending).hasSize(1);

    source.points.put("n1", Optional.of(new NodeInfo("n1", "10.0.0.99:80", List.of(ServiceInfo.of("web", "1")), 3)));
    source.points.put("ts", Optional.of(node("ts", "db")));
    assertThat(source.answerNext()).containsExactly("n1");
    assertThat(index.node("n1").orElseThrow().address()).isEqualTo("10.0.0.99:80");
    assertThat(sync.inStepContent(null, null)).isNull(); // ts is still being read
    assertThat(source.answerNext()).containsExactly("ts");
    assertThat(index.find("db", null)).extracting(NodeInfo::nodeId).containsExactly("ts");
    assertThat(sync.inStepContent(null, null)).isNotNull();
    assertThat(sync.version()).isEqualTo(100); // no version of ours moved
    assertThat(changes).extracting(e -> e.type() + ":" + e.nodeId() + ":" + e.address())
        .contains("NODE_UPDATED:n1:10.0.0.99:80", "NODE_REGISTERED:ts:10.0.0.1:80")
        .noneMatch(c -> c.contains("10.9.9.9"));

    source.points.remove("ts"); // TypeScript's deregisterNode: its keys are gone
    sync.onEvent(event(Type.NODE_DEREGISTERED, node("ts")));
    source.answerNext();
    assertThat(index.node("ts")).isEmpty();
    assertThat(source.snapshots).isEmpty(); // never a full read
  }

  @Test
  void aPointReadOverlappingAVersionedChangeOfItsNodeIsReadOnceMore() {
    source.defer = true;
    sync.resync();
    loaded(100, node("n1", "web@1"));
    source.points.put("n1", Optional.of(node("n1", "web@1")));
    sync.onEvent(event(Type.NODE_UPDATED, node("n1", "ts-own"))); // unversioned: read n1
    ours(101, Type.NODE_UPDATED, node("n1", "db@2")); // ours, while the read is in flight
    source.answerNext(); // may predate 101: not applied, read again
    assertThat(index.find("db", "2")).extracting(NodeInfo::nodeId).containsExactly("n1");
    assertThat(source.pending).hasSize(1);
    source.points.put("n1", Optional.of(node("n1", "db@2")));
    source.answerNext();
    assertThat(index.find("db", "2")).extracting(NodeInfo::nodeId).containsExactly("n1");
    assertThat(sync.inStepContent(null, null)).isNotNull();
  }

  @Test
  void anAnnouncementWithoutEventTakesItsVersionAndReadsTheNode() {
    sync.resync();
    loaded(100);
    source.points.put("ts", Optional.of(node("ts", "web@1")));
    sync.onSequence("101* ts"); // the sweeper adopted a TypeScript node: no event follows
    assertThat(sync.version()).isEqualTo(101);
    assertThat(index.find("web", "1")).extracting(NodeInfo::nodeId).containsExactly("ts");
    ours(102, Type.NODE_REGISTERED, node("b", "web"));
    source.points.remove("ts");
    sync.onSequence("103* ts"); // cleaned up after someone else removed it
    assertThat(index.node("ts")).isEmpty();
    assertThat(sync.version()).isEqualTo(103);
    assertThat(source.snapshots).isEmpty(); // no gap
    // during a full read: replayed after the snapshot when newer
    sync.resync();
    source.points.put("ts", Optional.of(node("ts", "db")));
    sync.onSequence("104* ts");
    loaded(103, node("b", "web"));
    assertThat(index.find("db", null)).extracting(NodeInfo::nodeId).containsExactly("ts");
    assertThat(sync.version()).isEqualTo(104);
  }

  @Test
  void thePeriodicFullReadWhileForeignNodesExistFollowsTheInjectedClock() {
    long[] now = {0};
    ViewSync timed = new ViewSync(index, source, Runnable::run, changes::add, () -> now[0]);
    timed.resync();
    loaded(5);
    timed.onProbe(5, true, 60_000);
    assertThat(source.snapshots).isEmpty();
    now[0] += 59_999_000_000L;
    timed.onProbe(5, true, 60_000);
    assertThat(source.snapshots).isEmpty();
    now[0] += 1_000_000L;
    timed.onProbe(5, false, 60_000); // no foreign nodes: no periodic read
    assertThat(source.snapshots).isEmpty();
    timed.onProbe(5, true, 60_000);
    assertThat(source.snapshots).hasSize(1);
  }

  @Test
  void theProbeResyncsWhenTheCounterMovedWithoutEvents() {
    sync.resync();
    loaded(4000);
    sync.onProbe(4001, false, 60_000); // might be an event in flight: wait one probe
    assertThat(source.snapshots).isEmpty();
    sync.onProbe(4001, false, 60_000); // still nothing arrived: missed
    assertThat(source.snapshots).hasSize(1);
    loaded(4001, node("a", "web"));
    sync.onProbe(4001, false, 60_000);
    assertThat(source.snapshots).isEmpty();
    assertThat(index.size()).isEqualTo(1);
  }

  @Test
  void aFailedReadIsRetriedAtTheNextProbe() {
    sync.resync();
    source.snapshots.remove().completeExceptionally(new RuntimeException("down"));
    assertThat(sync.inStep()).isFalse();
    sync.onProbe(0, false, 60_000);
    assertThat(source.snapshots).hasSize(1);
    loaded(0);
    assertThat(sync.inStep()).isTrue();
  }

  @Test
  void aFullReadReportsTheDifferencesAsEvents() {
    sync.resync();
    loaded(10, node("a", "web"), node("b", "web"));
    changes.clear();
    sync.resync();
    loaded(20, node("a", "db"), node("c", "web"));
    assertThat(changes).extracting(e -> e.type() + ":" + e.nodeId())
        .containsExactlyInAnyOrder("NODE_UPDATED:a", "NODE_DEREGISTERED:b", "NODE_REGISTERED:c");
    assertThat(index.find("web", null)).extracting(NodeInfo::nodeId).containsExactly("c");
    assertThat(index.find("db", null)).extracting(NodeInfo::nodeId).containsExactly("a");
  }
}
