package io.tiercache.bench.stampede;

/**
 * One application node of an experiment: a cache client with its own Redis connection, shared by
 * that node's callers. All nodes of an experiment live in one JVM (see {@link StampedeExperiment}).
 */
interface Node extends AutoCloseable {
  /** Reads {@code key} the way this node's caching strategy does. */
  String read(String key) throws Exception;

  @Override
  void close();
}
