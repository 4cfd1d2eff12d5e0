package io.tiercache.server;

import io.tiercache.internal.InProcessInvalidationBus;
import io.tiercache.spi.InvalidationBus;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gives each namespace the invalidation bus its caches on every node share. One bus per namespace:
 * sequence numbers, key invalidations and tag rules of two namespaces then never meet.
 *
 * <p>Until the fleet-wide bus on Redis Streams lands, {@link #inProcess()} is the only
 * implementation: gateways of one JVM (tests) reach each other by sharing one instance. The gateway
 * closes only the buses it created itself; a bus passed to it belongs to the caller.
 */
@FunctionalInterface
public interface InvalidationBuses {

  /** The bus of {@code namespace}; the same instance on every call. */
  InvalidationBus forNamespace(String namespace);

  /** In-process buses, one per namespace, created on first use. */
  static Shared inProcess() {
    return new Shared();
  }

  /** In-process buses that every gateway given this instance shares. */
  final class Shared implements InvalidationBuses, AutoCloseable {
    private final ConcurrentHashMap<String, InProcessInvalidationBus> buses =
        new ConcurrentHashMap<>();

    private Shared() {}

    @Override
    public InvalidationBus forNamespace(String namespace) {
      return buses.computeIfAbsent(namespace, ns -> new InProcessInvalidationBus());
    }

    @Override
    public void close() {
      buses.values().forEach(InProcessInvalidationBus::close);
    }
  }
}
