package io.tiercache.redis.local;

import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A {@code redis-server} process of our own, on a free loopback port, with its files in a fresh
 * temporary directory and nothing persisted ({@code --save "" --appendonly no}). The embedded
 * default starts one when no Redis is configured; tests start one each so that they can {@link
 * #kill} it.
 *
 * <p>Only the process started here is ever stopped, through its {@link Process} handle, never by
 * name. A shutdown hook stops it too if the JVM exits without {@link #close}.
 *
 * <p>Thread-safe.
 */
public final class LocalRedisServer implements AutoCloseable {
  /** The address every local server binds. */
  public static final String HOST = "127.0.0.1";

  /** How long a server may take to answer PING after it was started. */
  public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(10);

  private static final Duration PING_TIMEOUT = Duration.ofMillis(200);
  private static final int START_ATTEMPTS = 3;
  private static final int LOG_TAIL_LINES = 20;

  private final Path executable;
  private final Path dir;
  private final List<String> extraArgs;
  private final boolean clusterNode;
  private final Thread shutdownHook;
  private volatile int port; // written only while starting; the same after every restart
  private Process process; // guarded by this; null when not running
  private boolean closed; // guarded by this

  private LocalRedisServer(Path executable, Path dir, List<String> extraArgs, boolean clusterNode) {
    this.executable = executable;
    this.dir = dir;
    this.extraArgs = List.copyOf(extraArgs);
    this.clusterNode = clusterNode;
    this.shutdownHook = new Thread(this::stopProcess, "stop redis-server in " + dir);
  }

  /** Whether {@code redis-server} is on the PATH, so that {@link #start()} can work. */
  public static boolean isAvailable() {
    return Executables.onPath("redis-server").isPresent();
  }

  /**
   * Starts a standalone server on a free port and waits until it answers PING.
   *
   * @throws LocalRedisException when {@code redis-server} is not on the PATH or does not start
   *     within {@link #DEFAULT_START_TIMEOUT}
   */
  public static LocalRedisServer start() {
    return start(List.of(), false);
  }

  /** Starts a server on a free port that replicates {@code master} ({@code --replicaof}). */
  public static LocalRedisServer replicaOf(LocalRedisServer master) {
    return start(List.of("--replicaof", master.host(), String.valueOf(master.port())), false);
  }

  /** Starts a server with more arguments; for cluster nodes, whose bus port must be free too. */
  static LocalRedisServer start(List<String> extraArgs, boolean clusterNode) {
    Path executable = Executables.require("redis-server");
    Path dir;
    try {
      dir = Files.createTempDirectory("tiercache-redis-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LocalRedisServer server = new LocalRedisServer(executable, dir, extraArgs, clusterNode);
    try {
      server.startOnFreePort();
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    Runtime.getRuntime().addShutdownHook(server.shutdownHook);
    return server;
  }

  /**
   * Another process can take the port between our pick and the server's bind; the server then exits
   * at once, and we try again with another port.
   */
  private synchronized void startOnFreePort() {
    LocalRedisException last = null;
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      port = FreePorts.pick(clusterNode);
      try {
        launchAndAwaitPing();
        return;
      } catch (LocalRedisException e) {
        last = e;
      }
    }
    throw last;
  }

  /** The loopback address the server listens on. */
  public String host() {
    return HOST;
  }

  /** The server's port; the same after {@link #restart}. */
  public int port() {
    return port;
  }

  /** {@code host:port}, as Redis Cluster and the cache's shard tags name it. */
  public String address() {
    return HOST + ":" + port();
  }

  /** A Lettuce URI of the server. */
  public RedisURI uri() {
    return RedisURI.create(HOST, port());
  }

  /** The directory holding the server's log and, for cluster nodes, its cluster config. */
  public Path directory() {
    return dir;
  }

  /** Whether the process is alive. */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /**
   * The process id.
   *
   * @throws IllegalStateException when the server is not running
   */
  public synchronized long pid() {
    if (process == null) {
      throw new IllegalStateException("redis-server on port " + port + " is not running");
    }
    return process.pid();
  }

  /**
   * Kills the server at once (SIGKILL), as a crash would, and waits until it is gone. Does nothing
   * when it is not running.
   */
  public synchronized void kill() {
    stopProcess();
  }

  /**
   * Starts the server again on the same port and in the same directory (a cluster node keeps its
   * identity from its config file there), killing it first if it still runs. Data is not kept.
   *
   * @throws LocalRedisException when it does not answer PING within {@link #DEFAULT_START_TIMEOUT}
   * @throws IllegalStateException after {@link #close}
   */
  public synchronized void restart() {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    stopProcess();
    launchAndAwaitPing();
  }

  /** Kills the server and deletes its directory. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopProcess();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException | IllegalArgumentException alreadyShuttingDownOrNotAdded) {
      // Nothing to undo.
    }
    deleteDirectory();
  }

  @Override
  public String toString() {
    return "LocalRedisServer[" + address() + (isRunning() ? ", running" : ", stopped") + "]";
  }

  private synchronized void launchAndAwaitPing() {
    List<String> command = new ArrayList<>();
    command.add(executable.toString());
    command.addAll(
        List.of("--port", Integer.toString(port), "--bind", HOST, "--dir", dir.toString()));
    command.addAll(List.of("--save", "", "--appendonly", "no", "--daemonize", "no"));
    command.addAll(extraArgs);
    Path log = logFile();
    try {
      process =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new LocalRedisException("could not run " + executable, e);
    }
    Process started = process;
    boolean ready =
        Poll.until(
            DEFAULT_START_TIMEOUT,
            () -> !started.isAlive() || "PONG".equals(Resp.call(HOST, port, PING_TIMEOUT, "PING")));
    if (!ready || !started.isAlive()) {
      stopProcess();
      throw new LocalRedisException(
          "redis-server on port " + port + " did not answer PING; its log ends:\n" + logTail());
    }
  }

  private synchronized void stopProcess() {
    Process p = process;
    if (p == null) {
      return;
    }
    // A fork of ours (a replica sync) would otherwise outlive its parent.
    List<ProcessHandle> children = p.descendants().toList();
    p.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  private Path logFile() {
    return dir.resolve("redis.log");
  }

  /** The last lines of the server's log, for error messages. */
  String logTail() {
    try {
      List<String> lines = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
      return String.join(
          "\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private void deleteDirectory() {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A temp directory left behind costs nothing worth failing a close for.
    }
  }
}
