package io.tiercache.redis;

import io.lettuce.core.RedisURI;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy in front of one server that can cut the network, for partition tests. One selector
 * thread forwards bytes both ways; nothing is ever dropped from a stream (TCP does not lose bytes
 * in a partition, it stops delivering them).
 *
 * <ul>
 *   <li>{@link #stall()}: a partition. Nothing is read or written any more, so bytes wait in the
 *       kernel's buffers and both sides see silence and time out; new connections are accepted and
 *       held without reaching the server. {@link #heal()} resumes every connection where it was.
 *   <li>{@link #refuse()}: the server is gone. Every connection is closed, and new ones are closed
 *       as soon as they are accepted, until {@link #heal()}.
 * </ul>
 */
final class FaultyProxy implements AutoCloseable {
  private enum Mode {
    PASS,
    STALL,
    REFUSE
  }

  /** One side of a proxied connection: its channel and the bytes waiting to be written to it. */
  private static final class End {
    final SocketChannel channel;
    final ByteBuffer out = ByteBuffer.allocate(64 * 1024); // filling mode
    End peer;
    SelectionKey key;

    End(SocketChannel channel) {
      this.channel = channel;
    }
  }

  private final InetSocketAddress upstream;
  private final ServerSocketChannel server;
  private final Selector selector;
  private final Thread loop;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final List<End> ends = new ArrayList<>(); // loop thread only
  private final List<SocketChannel> held = new ArrayList<>(); // loop thread only
  private Mode mode = Mode.PASS; // loop thread only
  private volatile boolean closed;

  private FaultyProxy(InetSocketAddress upstream) throws IOException {
    this.upstream = upstream;
    this.selector = Selector.open();
    this.server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress("127.0.0.1", 0));
    server.configureBlocking(false);
    server.register(selector, SelectionKey.OP_ACCEPT);
    this.loop = new Thread(this::run, "faulty-proxy-" + port());
    loop.setDaemon(true);
    loop.start();
  }

  /** Starts a proxy on a free loopback port in front of {@code host:port}. */
  static FaultyProxy start(String host, int port) {
    try {
      return new FaultyProxy(new InetSocketAddress(host, port));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int port() {
    return server.socket().getLocalPort();
  }

  RedisURI uri() {
    return RedisURI.create("127.0.0.1", port());
  }

  /** Partitions: every connection goes silent in both directions, new ones are held. */
  void stall() {
    onLoop(() -> mode = Mode.STALL);
  }

  /** The server vanishes: connections are closed and new ones refused. */
  void refuse() {
    onLoop(
        () -> {
          mode = Mode.REFUSE;
          new ArrayList<>(ends).forEach(this::closePair);
          held.forEach(FaultyProxy::quietClose);
          held.clear();
        });
  }

  /** Ends the fault: held connections are connected, stalled ones resume. */
  void heal() {
    onLoop(
        () -> {
          mode = Mode.PASS;
          held.forEach(this::connect);
          held.clear();
        });
  }

  /** Runs {@code task} on the selector thread and waits for it. */
  private void onLoop(Runnable task) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    tasks.add(
        () -> {
          task.run();
          ends.forEach(this::updateInterest);
          done.complete(null);
        });
    selector.wakeup();
    done.orTimeout(5, TimeUnit.SECONDS).join();
  }

  private void run() {
    while (!closed) {
      try {
        selector.select(100);
        for (Runnable t; (t = tasks.poll()) != null; ) {
          t.run();
        }
        for (SelectionKey key : selector.selectedKeys()) {
          handle(key);
        }
        selector.selectedKeys().clear();
      } catch (IOException e) {
        if (!closed) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }

  private void handle(SelectionKey key) throws IOException {
    if (!key.isValid()) {
      return;
    }
    if (key.isAcceptable()) {
      SocketChannel client = server.accept();
      if (client == null) {
        return;
      }
      switch (mode) {
        case REFUSE -> quietClose(client);
        case STALL -> held.add(client);
        case PASS -> connect(client);
      }
      return;
    }
    End end = (End) key.attachment();
    try {
      if (key.isReadable() && end.channel.read(end.peer.out) < 0) {
        closePair(end);
        return;
      }
      flush(end.peer);
      if (key.isValid() && key.isWritable()) {
        flush(end);
      }
      updateInterest(end);
      updateInterest(end.peer);
    } catch (IOException e) {
      closePair(end);
    }
  }

  private void connect(SocketChannel client) {
    try {
      SocketChannel server = SocketChannel.open(upstream);
      client.configureBlocking(false);
      server.configureBlocking(false);
      End a = new End(client);
      End b = new End(server);
      a.peer = b;
      b.peer = a;
      a.key = client.register(selector, SelectionKey.OP_READ, a);
      b.key = server.register(selector, SelectionKey.OP_READ, b);
      ends.add(a);
      ends.add(b);
    } catch (IOException e) {
      quietClose(client); // the server itself is down: the client sees a closed connection
    }
  }

  private static void flush(End end) throws IOException {
    if (end.out.position() == 0) {
      return;
    }
    end.out.flip();
    end.channel.write(end.out);
    end.out.compact();
  }

  private void updateInterest(End end) {
    if (!end.key.isValid()) {
      return;
    }
    int ops = 0;
    if (mode == Mode.PASS) {
      if (end.peer.out.hasRemaining()) {
        ops |= SelectionKey.OP_READ;
      }
      if (end.out.position() > 0) {
        ops |= SelectionKey.OP_WRITE;
      }
    }
    end.key.interestOps(ops);
  }

  private void closePair(End end) {
    for (End e : List.of(end, end.peer)) {
      e.key.cancel();
      quietClose(e.channel);
      ends.remove(e);
    }
  }

  private static void quietClose(SocketChannel c) {
    try {
      c.close();
    } catch (IOException e) {
      // Closing is all we wanted.
    }
  }

  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    try {
      loop.join(2000);
      new ArrayList<>(ends).forEach(this::closePair);
      held.forEach(FaultyProxy::quietClose);
      server.close();
      selector.close();
    } catch (IOException | InterruptedException e) {
      // Test teardown: nothing left to save.
    }
  }
}
