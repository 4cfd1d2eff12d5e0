package io.tiercache.internal;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * At most one call per key at a time in this process; callers who arrive while a call runs wait for
 * its result instead of making their own (groupcache's singleflight, in Java).
 *
 * <p>Written by hand rather than taken from Caffeine's {@code AsyncLoadingCache}, which coalesces
 * only loads whose result it keeps in its own map: here a call walks L2 and the source and may find
 * nothing to keep, and bulk calls must coalesce key by key with single calls.
 *
 * <p>The map holds a call only while it runs. A caller that arrives after the leader has removed
 * its call starts a new one, so callers must re-check the tier the finished call filled (L1) inside
 * the function they pass; see {@code DefaultTieredCache#loadBelowL1}.
 */
final class SingleFlight<T> {
  // Guarded by the map's own atomicity: a call is visible from putIfAbsent until remove(key, call).
  private final ConcurrentHashMap<String, CompletableFuture<T>> calls = new ConcurrentHashMap<>();

  /**
   * Runs {@code call} for {@code key}, or waits for the one running.
   *
   * @param onCoalesced run when this caller waits for another caller's call
   */
  T execute(String key, Supplier<T> call, Runnable onCoalesced) {
    CompletableFuture<T> mine = new CompletableFuture<>();
    CompletableFuture<T> running = calls.putIfAbsent(key, mine);
    if (running != null) {
      onCoalesced.run();
      return await(running);
    }
    try {
      T result = call.get();
      mine.complete(result);
      return result;
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      calls.remove(key, mine);
    }
  }

  /**
   * Runs {@code bulkCall} once for the keys no other call is running for, and waits for the others.
   * The bulk call returns results for the keys it was given (a key may map to {@code null}).
   *
   * <p>No deadlock between two bulk callers: each completes every key it owns before it waits for
   * any key it does not.
   */
  Map<String, T> executeAll(
      Collection<String> keys,
      Function<Collection<String>, Map<String, T>> bulkCall,
      Runnable onCoalesced) {
    Map<String, CompletableFuture<T>> owned = new LinkedHashMap<>();
    Map<String, CompletableFuture<T>> waited = new HashMap<>();
    for (String key : keys) {
      CompletableFuture<T> mine = new CompletableFuture<>();
      CompletableFuture<T> running = calls.putIfAbsent(key, mine);
      if (running == null) {
        owned.put(key, mine);
      } else if (!owned.containsKey(key)) {
        waited.put(key, running);
      }
    }
    Map<String, T> results = new HashMap<>();
    try {
      if (!owned.isEmpty()) {
        Map<String, T> loaded = bulkCall.apply(owned.keySet());
        owned.forEach(
            (key, f) -> {
              T value = loaded.get(key);
              f.complete(value);
              results.put(key, value);
            });
      }
    } catch (RuntimeException | Error e) {
      owned.values().forEach(f -> f.completeExceptionally(e));
      throw e;
    } finally {
      owned.forEach(calls::remove);
    }
    waited.forEach(
        (key, f) -> {
          onCoalesced.run();
          results.put(key, await(f));
        });
    return results;
  }

  /** How many calls are running (for tests and metrics). */
  int inFlight() {
    return calls.size();
  }

  private static <T> T await(CompletableFuture<T> call) {
    try {
      return call.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    } catch (CancellationException e) {
      throw e;
    }
  }
}
