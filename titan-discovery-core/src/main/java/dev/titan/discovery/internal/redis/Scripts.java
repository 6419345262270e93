package dev.titan.discovery.internal.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;

/**
 * Lua scripts loaded from resources once, run with {@code EVALSHA} and, when Redis answers
 * {@code NOSCRIPT} (a restarted or failed-over server has an empty script cache), with {@code
 * EVAL}, which also caches the script again.
 */
public enum Scripts {
  /** Full registration: wire format, indexes, change counter, event. */
  REGISTER("register.lua", true),
  /** Lean heartbeat of an unchanged node. */
  RENEW("renew.lua", false),
  /** Atomic removal: graceful deregistration or expiry of dead nodes. */
  REMOVE("remove.lua", true),
  /** Update of one field of an existing node, never creating keys. */
  UPDATE("update.lua", true),
  /** Read of nodes in one round trip. */
  QUERY("query.lua", false),
  /** Release of the sweeper lease. */
  RELEASE("release.lua", false),
  /** Confirmation, in O(due), that a local view at a version still equals the registry. */
  CONFIRM("confirm.lua", false);

  private final String body;
  private final String sha;

  Scripts(String file, boolean withHelpers) {
    this.body = (withHelpers ? resource("lib.lua") : "") + resource(file);
    try {
      this.sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-1", e);
    }
  }

  /** A script file from the resources; lib.lua holds the helpers shared by several scripts. */
  private static String resource(String file) {
    String path = "/dev/titan/discovery/lua/" + file;
    try (InputStream in = Scripts.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing script resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot load script " + path, e);
    }
  }

  /**
   * The script's SHA-1, as {@code EVALSHA} wants it.
   *
   * @return lower-case hex
   */
  public String sha() {
    return sha;
  }

  /**
   * The script's source.
   *
   * @return Lua source
   */
  public String body() {
    return body;
  }

  /**
   * Runs the script by SHA, falling back to EVAL on NOSCRIPT.
   *
   * @param commands where to run it
   * @param type the reply type
   * @param keys the keys
   * @param args the arguments
   * @param <T> the reply type
   * @return the reply
   */
  public <T> CompletableFuture<T> run(
      RedisClusterAsyncCommands<String, String> commands, ScriptOutputType type, String[] keys, String... args) {
    CompletableFuture<T> bySha = commands.<T>evalsha(sha, type, keys, args).toCompletableFuture();
    return bySha.exceptionallyCompose(e -> {
      Throwable t = RedisConnector.unwrap(e);
      boolean noScript = t instanceof RedisNoScriptException
          || (t.getMessage() != null && t.getMessage().startsWith("NOSCRIPT"));
      if (!noScript) {
        return CompletableFuture.failedFuture(t);
      }
      return commands.<T>eval(body, type, keys, args).toCompletableFuture();
    });
  }
}
