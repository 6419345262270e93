package dev.titan.discovery;

import java.util.List;

/**
 * A snapshot of a {@link ServiceSelector}'s state and counters, read without I/O (no Micrometer
 * needed: publish these as gauges and counters in whatever metrics system is at hand).
 *
 * @param serviceName the service
 * @param strategy the strategy
 * @param matching instances matching the query, in any status
 * @param up of those, the UP ones
 * @param candidates instances selection chooses from right now (UP, not ejected unless in
 *     panic, in the preferred zone when any is)
 * @param ejected UP instances ejected right now
 * @param panic whether ejections are ignored because too few instances are left
 * @param inPreferredZone whether the candidates are the preferred zone's (false when no zone is
 *     preferred, or none of its instances can be chosen)
 * @param successes leases finished with {@code success()}
 * @param failures leases finished with {@code failure(...)}
 * @param abandoned leases closed without either
 * @param ejections ejections so far
 * @param refusedEjections ejections refused by the maximum ejection share
 * @param returns ejected instances that came back
 * @param refreshes node lists loaded (from the view, from Redis or given)
 * @param refreshFailures Redis reads that failed (the previous list stays in use)
 * @param instances one entry per matching instance
 */
public record SelectorStats(
    String serviceName,
    SelectionStrategy strategy,
    int matching,
    int up,
    int candidates,
    int ejected,
    boolean panic,
    boolean inPreferredZone,
    long successes,
    long failures,
    long abandoned,
    long ejections,
    long refusedEjections,
    long returns,
    long refreshes,
    long refreshFailures,
    List<Instance> instances) {

  /**
   * Copies the instance list.
   *
   * @param serviceName see the record component
   * @param strategy see the record component
   * @param matching see the record component
   * @param up see the record component
   * @param candidates see the record component
   * @param ejected see the record component
   * @param panic see the record component
   * @param inPreferredZone see the record component
   * @param successes see the record component
   * @param failures see the record component
   * @param abandoned see the record component
   * @param ejections see the record component
   * @param refusedEjections see the record component
   * @param returns see the record component
   * @param refreshes see the record component
   * @param refreshFailures see the record component
   * @param instances see the record component
   */
  public SelectorStats {
    instances = List.copyOf(instances);
  }

  /**
   * One instance's state in the selector.
   *
   * @param node the instance as last read
   * @param outstanding leases handed out and not finished
   * @param latencyEwmaNanos moving average of successful calls' latency, -1 before the first
   * @param consecutiveFailures failures since the last success (or return from ejection)
   * @param ejected whether ejected right now
   * @param ejections how many times it was ejected (the count that sets the next ejection's
   *     length)
   * @param ejectedForNanos time left of the current ejection, 0 when not ejected
   */
  public record Instance(
      NodeInfo node,
      int outstanding,
      long latencyEwmaNanos,
      int consecutiveFailures,
      boolean ejected,
      int ejections,
      long ejectedForNanos) {}
}
