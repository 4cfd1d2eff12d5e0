package io.tiercache.redis.internal;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A Lua script run with EVALSHA, falling back to EVAL the first time a server (or, on a cluster, a
 * master) does not know it yet. Each script touches keys of one slot only, so it runs on a cluster
 * unchanged.
 */
public final class LuaScript {
  private final String text;
  private final String sha;
  private final ScriptOutputType output;

  public LuaScript(String text, ScriptOutputType output) {
    this.text = text;
    this.output = output;
    try {
      this.sha =
          HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs the script; {@code args} are sent as UTF-8 unless they are byte arrays already. */
  public <T> CompletionStage<T> run(
      RedisClusterAsyncCommands<String, byte[]> commands, String[] keys, Object... args) {
    byte[][] values = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      values[i] =
          args[i] instanceof byte[] b
              ? b
              : String.valueOf(args[i]).getBytes(StandardCharsets.UTF_8);
    }
    CompletionStage<T> first = commands.evalsha(sha, output, keys, values);
    return first
        .handle(
            (result, error) -> {
              Throwable cause =
                  error instanceof java.util.concurrent.CompletionException
                      ? error.getCause()
                      : error;
              if (cause instanceof RedisNoScriptException) {
                CompletionStage<T> again = commands.eval(text, output, keys, values);
                return again;
              }
              if (error != null) {
                return CompletableFuture.<T>failedFuture(cause);
              }
              return CompletableFuture.completedFuture(result);
            })
        .thenCompose(stage -> stage);
  }
}
