package dev.titan.discovery.internal;

/**
 * The Redis key layout. The first four are the TypeScript implementation's and must not change;
 * the rest are ours (a TypeScript node writes none of them, and readers cope with that).
 *
 * <pre>
 * {prefix}:nodes:{id}             hash  address, services (JSON), timestamp; EXPIRE ceil(ttl/1000) s
 * {prefix}:heartbeat:{id}         string timestamp; PX ttl
 * {prefix}:index:nodes            set   every node id
 * {prefix}:index:services:{name}  set   ids of our nodes offering the service (spec: optional index)
 * {prefix}:index:deadlines        zset  our node ids scored by heartbeat deadline (Redis server ms)
 * {prefix}:index:names            set   the service names that have an index:services set
 * {prefix}:index:version          string change counter, INCR on every change of the registry
 * {prefix}:index:version:log      zset  the 1,000 ids changed last, scored by their latest change's
 *                                       counter value (readers re-read only those)
 * {prefix}:index:foreign          set   adopted nodes written by the TypeScript implementation
 * {prefix}:index:departing        hash  id -> address + "\n" + services JSON, only for nodes
 *                                       about to expire (their hash expires with the heartbeat)
 * {prefix}:index:sweeper          string node id holding the sweeper lease; PX lease
 * </pre>
 *
 * <p>In Redis Cluster the prefix must carry a hash tag (for example {@code {titan}:discovery}) so
 * that every key above lives in one slot and one script may touch them all.
 */
public record Keys(String prefix) {

  /**
   * The node hash.
   *
   * @param nodeId id
   * @return key
   */
  public String node(String nodeId) {
    return prefix + ":nodes:" + nodeId;
  }

  /**
   * The heartbeat string.
   *
   * @param nodeId id
   * @return key
   */
  public String heartbeat(String nodeId) {
    return prefix + ":heartbeat:" + nodeId;
  }

  /**
   * The set of every node id.
   *
   * @return key
   */
  public String nodesIndex() {
    return prefix + ":index:nodes";
  }

  /**
   * The set of ids offering a service.
   *
   * @param serviceName service name
   * @return key
   */
  public String serviceIndex(String serviceName) {
    return prefix + ":index:services:" + serviceName;
  }

  /**
   * The sorted set of heartbeat deadlines.
   *
   * @return key
   */
  public String deadlines() {
    return prefix + ":index:deadlines";
  }

  /**
   * The change counter.
   *
   * @return key
   */
  public String version() {
    return prefix + ":index:version";
  }

  /**
   * The change log: the ids changed last, scored by the counter value of their latest change.
   *
   * @return key
   */
  public String versionLog() {
    return prefix + ":index:version:log";
  }

  /**
   * The set of adopted nodes written by the TypeScript implementation (not in our service indexes).
   *
   * @return key
   */
  public String foreign() {
    return prefix + ":index:foreign";
  }

  /**
   * The sweeper lease.
   *
   * @return key
   */
  public String sweeperLease() {
    return prefix + ":index:sweeper";
  }

  /**
   * Whether the prefix holds a Redis Cluster hash tag ({@code {...}} with something inside).
   *
   * @return true when all keys share one slot in a cluster
   */
  public boolean hasHashTag() {
    int open = prefix.indexOf('{');
    if (open < 0) {
      return false;
    }
    int close = prefix.indexOf('}', open + 1);
    return close > open + 1;
  }
}
