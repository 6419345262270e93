package dev.titan.discovery.cli;

import dev.titan.discovery.NodeInfo;
import dev.titan.discovery.NodeStatus;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

/** What {@code drain}, {@code status} and {@code deregister} share. */
final class OperatorActions {
  private OperatorActions() {}

  /** The node as the library reads it; exit 3 when it has no data. */
  static NodeInfo existing(CliContext ctx, String id) {
    Optional<NodeInfo> node = ctx.await(ctx.discovery().getNodeInfo(id));
    return node.orElseThrow(() -> CliException.notFound("node '" + id + "' is unknown under prefix '"
        + ctx.keys().prefix() + "'; list the nodes with 'titan nodes --all' (or check --prefix)"));
  }

  /** Sets a node's status through the library (one atomic script, NODE_UPDATED when it changes). */
  static void setStatus(CliContext ctx, String id, NodeStatus status) {
    ctx.await(ctx.discovery().setNodeStatus(id, status));
  }

  /** The JSON result of an action. */
  static ObjectNode result(String action, String id, @Nullable NodeStatus previous, @Nullable NodeStatus status) {
    ObjectNode o = Output.object();
    o.put("action", action);
    o.put("id", id);
    if (previous == null) {
      o.putNull("previousStatus");
    } else {
      o.put("previousStatus", previous.name());
    }
    if (status == null) {
      o.putNull("status");
    } else {
      o.put("status", status.name());
    }
    return o;
  }

  /** Rejects node ids the library would refuse, before connecting. */
  static void checkId(String id) {
    if (id.isEmpty() || !id.matches("[A-Za-z0-9._\\-:@]+")) {
      throw CliException.usage("'" + id + "' is not a node id: letters, digits and . _ - : @ only");
    }
  }
}
