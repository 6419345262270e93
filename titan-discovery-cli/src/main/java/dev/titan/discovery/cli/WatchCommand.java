package dev.titan.discovery.cli;

import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code titan watch}: live events, with the local view's gap detection. */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    header = "Print live events, saying when some were missed.",
    description = {
      "Print registry events as they happen, one line each (JSON lines with -o json), until Ctrl-C.",
      "Our scripts publish \"{version} {id}\" on {channel}:seq right before each event; a version",
      "that does not follow the last one means events were missed (pub/sub is at-most-once): that is",
      "printed as 'missed N change(s); resyncing', never hidden. Events without a version come from",
      "the TypeScript implementation."
    })
final class WatchCommand implements Callable<Integer> {

  @ParentCommand TitanCli parent;

  @Option(names = "--count", paramLabel = "N", description = "Stop after N events.")
  long count = -1;

  /** A message from one of the two channels. */
  private record Message(boolean seq, String text) {}

  /** Runs the command; returns its exit code ({@link ExitCodes}). */
  @Override
  public Integer call() throws InterruptedException {
    if (count == 0 || count < -1) {
      throw CliException.usage("--count must be at least 1, was " + count);
    }
    try (CliContext ctx = parent.context()) {
      String channel = ctx.channel();
      String seqChannel = channel + ":seq";
      BlockingQueue<Message> queue = new LinkedBlockingQueue<>();
      StatefulRedisPubSubConnection<String, String> ps = ctx.pubSub();
      try {
        ps.addListener(new RedisPubSubAdapter<>() {
          @Override
          public void message(String ch, String message) {
            queue.add(new Message(ch.equals(seqChannel), message));
          }
        });
        ctx.await(ps.async().subscribe(seqChannel, channel));
        Sequence seq = new Sequence(parseVersion(ctx.await(ctx.redis().get(ctx.keys().version()))));
        ctx.out().note("watching " + channel + " on " + ctx.where()
            + (seq.last == null ? "" : " at version " + seq.last) + "; Ctrl-C to stop");
        long events = 0;
        while (count < 0 || events < count) {
          Message m = queue.take();
          if (m.seq()) {
            onSeq(ctx, seq, m.text());
          } else if (onEvent(ctx, seq, m.text())) {
            events++;
          }
        }
        return ExitCodes.OK;
      } finally {
        ps.closeAsync();
      }
    }
  }

  /** The sequence state: the last version seen and the change whose event is due. */
  static final class Sequence {
    @Nullable Long last;
    @Nullable Long armedVersion;
    @Nullable String armedId;

    Sequence(@Nullable Long start) {
      this.last = start;
    }
  }

  private static @Nullable Long parseVersion(@Nullable String v) {
    if (v == null) {
      return null;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private void onSeq(CliContext ctx, Sequence s, String text) {
    int space = text.indexOf(' ');
    String head = space < 0 ? text : text.substring(0, space);
    boolean silent = head.endsWith("*"); // a change without an event
    Long v = parseVersion(silent ? head.substring(0, head.length() - 1) : head);
    if (v == null || space < 0) {
      gap(ctx, s, 0, s.last, null, "malformed sequence message '" + text + "'");
      s.last = null;
      return;
    }
    if (s.armedVersion != null) {
      gap(ctx, s, 1, s.armedVersion, v, "the event of version " + s.armedVersion + " (node " + s.armedId + ") never came");
      s.armedVersion = null;
      s.armedId = null;
    }
    if (s.last != null && v != s.last + 1) {
      if (v > s.last) {
        gap(ctx, s, v - s.last - 1, s.last, v, "version " + v + " follows " + s.last);
      } else {
        gap(ctx, s, 0, s.last, v, "version went back from " + s.last + " to " + v + " (Redis restarted or flushed?)");
      }
    }
    s.last = v;
    if (!silent) {
      s.armedVersion = v;
      s.armedId = text.substring(space + 1);
    }
  }

  /** Prints an event; false when the message is not one. */
  private boolean onEvent(CliContext ctx, Sequence s, String text) {
    Output out = ctx.out();
    JsonNode e;
    try {
      e = Output.JSON.readTree(text);
    } catch (RuntimeException x) {
      e = null;
    }
    if (e == null || !e.isObject() || !e.path("type").isString() || !e.path("nodeId").isString()) {
      if (out.json()) {
        ObjectNode o = Output.object();
        o.put("kind", "malformed");
        o.put("message", text);
        out.jsonLine(o);
      } else {
        out.line(out.style(Output.Style.RED, "malformed event: " + text));
      }
      return false;
    }
    String nodeId = e.path("nodeId").stringValue();
    Long version = null;
    if (s.armedVersion != null) {
      if (nodeId.equals(s.armedId)) {
        version = s.armedVersion;
      } else {
        gap(ctx, s, 1, s.armedVersion, s.armedVersion, "the event for version " + s.armedVersion + " was not " + s.armedId + "'s");
      }
      s.armedVersion = null;
      s.armedId = null;
    }
    String type = e.path("type").stringValue();
    String address = e.path("address").asString("");
    String status = e.path("status").isString() ? e.path("status").stringValue() : "UP";
    long ts = e.path("timestamp").asLong(0);
    String writer = version != null ? NodeFacts.JAVA : NodeFacts.TYPESCRIPT;
    if (out.json()) {
      ObjectNode o = Output.object();
      o.put("kind", "event");
      o.put("type", type);
      o.put("nodeId", nodeId);
      o.put("address", address);
      o.set("services", e.path("services").isArray() ? e.get("services") : Output.array());
      o.put("status", status);
      o.set("metadata", e.path("metadata").isObject() ? e.get("metadata") : Output.object());
      o.put("timestamp", ts);
      if (version == null) {
        o.putNull("version");
      } else {
        o.put("version", version);
      }
      o.put("publisher", writer);
      out.jsonLine(o);
    } else {
      StringBuilder services = new StringBuilder();
      for (JsonNode sv : e.path("services")) {
        if (services.length() > 0) {
          services.append(',');
        }
        services.append(sv.path("name").asString("?"));
        if (sv.path("version").isString()) {
          services.append('@').append(sv.path("version").stringValue());
        }
      }
      Output.Style style = type.equals("NODE_DEREGISTERED") ? Output.Style.RED
          : type.equals("NODE_REGISTERED") ? Output.Style.GREEN : Output.Style.YELLOW;
      out.line(Instant.ofEpochMilli(ts).truncatedTo(ChronoUnit.MILLIS) + "  " + out.style(style, String.format("%-17s", type))
          + "  " + nodeId + "  " + (address.isEmpty() ? "-" : address) + "  " + (services.length() == 0 ? "-" : services)
          + "  " + status + "  " + (version == null ? "(TypeScript, no version)" : "v" + version));
    }
    return true;
  }

  /** Says that changes were missed, then re-reads where the registry stands. */
  private void gap(CliContext ctx, Sequence s, long missed, @Nullable Long from, @Nullable Long to, String why) {
    Output out = ctx.out();
    long nodes = ctx.await(ctx.redis().scard(ctx.keys().nodes()));
    if (out.json()) {
      ObjectNode o = Output.object();
      o.put("kind", "gap");
      o.put("missed", missed);
      if (from == null) {
        o.putNull("fromVersion");
      } else {
        o.put("fromVersion", from);
      }
      if (to == null) {
        o.putNull("toVersion");
      } else {
        o.put("toVersion", to);
      }
      o.put("reason", why);
      o.put("nodesAfterResync", nodes);
      out.jsonLine(o);
    } else {
      out.line(out.style(Output.Style.RED, "missed " + (missed > 0 ? missed + " change(s)" : "changes") + "; resyncing: "
          + why + "; the registry now has " + nodes + " node(s) ('titan nodes' lists them)"));
    }
  }
}
