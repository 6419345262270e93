package dev.titan.discovery.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code titan doctor}: checks the deployment and explains what it finds. */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    header = "Check Redis, the keyspace, ACL, clocks and the sweeper; --fix repairs.",
    description = {
      "Run the checks and print OK, WARN or FAIL for each, with what to do: Redis version and mode,",
      "the hash tag on a cluster, keyspace consistency (hashes without TTL, index entries without a",
      "node, heartbeats without a hash; read with SCAN), TypeScript-written nodes, clock skew against",
      "Redis TIME, the ACL permissions the library needs, memory per node, the sweeper lease.",
      "--fix repairs the keyspace (asking first, or --yes) and never deletes a live node (one whose",
      "heartbeat key exists). Exit code 1 when a check FAILs."
    })
final class DoctorCommand implements Callable<Integer> {

  @ParentCommand TitanCli parent;

  @Option(names = "--fix", description = "Repair what the keyspace check finds.")
  boolean fix;

  @Option(names = {"-y", "--yes"}, description = "With --fix: do not ask for confirmation.")
  boolean yes;

  /** Runs the command; returns its exit code ({@link ExitCodes}). */
  @Override
  public Integer call() {
    try (CliContext ctx = parent.context()) {
      Output out = ctx.out();
      DoctorChecks checks = new DoctorChecks(ctx);
      List<Check> results = new ArrayList<>();
      // read before the CLI's own discovery service exists (only --fix starts one), so the
      // sweeper lease seen is never the CLI's
      // a user with only the library's commands (docs/production.md) may not run SCAN, INFO or
      // MEMORY: those checks say they cannot tell, the others still run
      KeyspaceRead k = KeyspaceRead.of(ctx);
      results.add(guarded("server", checks::server));
      results.add(guarded("hash tag", checks::hashTag));
      Check keyspace = k.check("keyspace", Keyspace::check);
      results.add(keyspace);
      results.add(k.check("sweeper", ks -> checks.sweeper(ks.deadlines.size())));
      results.add(k.check("typescript", checks::typeScript));
      results.add(guarded("clock", checks::clock));
      results.add(checks.acl());
      results.add(k.check("memory", checks::memory));
      if (!out.json()) {
        results.forEach(c -> c.print(out));
      }
      List<Keyspace.Fix> fixes = fix ? k.fixes(ctx) : List.of();
      List<String> applied = new ArrayList<>();
      List<String> failed = new ArrayList<>();
      Check after = null;
      if (fix) {
        if (fixes.isEmpty()) {
          if (!out.json()) {
            out.line("nothing to fix");
          }
        } else {
          if (!out.json()) {
            out.line(fixes.size() + " repair(s):");
            fixes.forEach(f -> out.line("  " + f.description()));
          }
          Confirm.ask(yes, "apply " + fixes.size() + " repair(s)");
          for (Keyspace.Fix f : fixes) {
            try {
              f.action().run();
              applied.add(f.description());
              if (!out.json()) {
                out.line("fixed: " + f.description());
              }
            } catch (RuntimeException e) {
              failed.add(f.description() + ": " + e.getMessage());
              if (!out.json()) {
                out.line("not fixed: " + f.description() + ": " + e.getMessage());
              }
            }
          }
          after = Keyspace.read(ctx).check();
          results.set(results.indexOf(keyspace), after);
          if (!out.json()) {
            out.line("after --fix:");
            after.print(out);
          }
        }
      }
      boolean failing = results.stream().anyMatch(c -> c.level() == Check.Level.FAIL);
      if (out.json()) {
        ObjectNode root = Output.object();
        ArrayNode arr = root.putArray("checks");
        results.forEach(c -> arr.add(c.json()));
        ArrayNode fx = root.putArray("fixed");
        applied.forEach(fx::add);
        ArrayNode nf = root.putArray("notFixed");
        failed.forEach(nf::add);
        root.put("ok", !failing);
        out.json(root);
      }
      return failing || !failed.isEmpty() ? ExitCodes.ERROR : ExitCodes.OK;
    }
  }

  /**
   * The keyspace as read, or why this user may not read it.
   *
   * @param keyspace the keyspace, or null when refused
   * @param refusal what Redis refused, or null when read
   */
  private record KeyspaceRead(@Nullable Keyspace keyspace, @Nullable CliException refusal) {

    static KeyspaceRead of(CliContext ctx) {
      try {
        return new KeyspaceRead(Keyspace.read(ctx), null);
      } catch (CliException e) {
        if (!refused(e)) {
          throw e;
        }
        return new KeyspaceRead(null, e);
      }
    }

    /** The check on the keyspace, or "cannot tell" when it could not be read. */
    Check check(String name, Function<Keyspace, Check> check) {
      Keyspace k = keyspace;
      return k == null ? cannotTell(name, refusal) : guarded(name, () -> check.apply(k));
    }

    List<Keyspace.Fix> fixes(CliContext ctx) {
      if (keyspace == null) {
        throw new CliException(ExitCodes.ERROR, "cannot --fix: " + refusal.getMessage());
      }
      return keyspace.fixes(ctx);
    }
  }

  /** Whether Redis refused a command to this user (NOPERM), as opposed to any other failure. */
  private static boolean refused(CliException e) {
    return e.getMessage() != null && e.getMessage().contains("NOPERM");
  }

  /** The check, or "cannot tell" when this user may not run what it needs. */
  private static Check guarded(String name, Supplier<Check> check) {
    try {
      return check.get();
    } catch (CliException e) {
      if (!refused(e)) {
        throw e;
      }
      return cannotTell(name, e);
    }
  }

  private static Check cannotTell(String name, @Nullable CliException e) {
    String m = e == null ? "" : e.getMessage();
    int open = m.indexOf('(');
    int close = m.indexOf(')', open + 1);
    String reply = open >= 0 && close > open ? m.substring(open + 1, close) : m;
    return Check.warn(name, "cannot tell: " + reply, "run 'titan doctor' as a user that may also run SCAN, INFO and MEMORY "
        + "(an admin), or check this by hand");
  }
}
