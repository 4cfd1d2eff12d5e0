package io.tiercache.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A {@code varnishd} of the test's own, in the foreground as a child process, running the project's
 * VCL ({@code deploy/varnish/tiercache.vcl}) with the backend pointed at a gateway. Only this
 * process is ever stopped, through its handle.
 */
final class Varnish implements AutoCloseable {
  static final Path VCL =
      Path.of(System.getProperty("user.dir")).resolveSibling("deploy/varnish/tiercache.vcl");

  final int port;
  private final Path dir;
  private Process process;

  private Varnish(int port, Path dir) {
    this.port = port;
    this.dir = dir;
  }

  static boolean isAvailable() {
    return Files.isExecutable(Path.of("/usr/sbin/varnishd"));
  }

  /**
   * A free port for Varnish to listen on, picked before the gateway that purges it starts. It is
   * taken below Linux's ephemeral range (32768 and up): a port picked there and released could be
   * handed to the gateway's own port-0 listener before varnishd binds it, and the "edge" would then
   * be the gateway itself.
   */
  static int freePort() {
    java.util.Random random = new java.util.Random();
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = 20_000 + random.nextInt(10_000);
      try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException taken) {
        // try another
      }
    }
    throw new UncheckedIOException(new IOException("no free port in 20000-29999"));
  }

  /** Starts varnishd on {@code port} in front of the gateway on {@code backendPort}. */
  static Varnish start(int port, int backendPort) throws IOException {
    Path dir = Files.createTempDirectory("tiercache-varnish-");
    Path vcl = dir.resolve("tiercache.vcl");
    String text = Files.readString(VCL);
    if (!text.contains(".port = \"8080\";")) {
      throw new IllegalStateException("the VCL's backend port is no longer 8080; update the test");
    }
    Files.writeString(vcl, text.replace(".port = \"8080\";", ".port = \"" + backendPort + "\";"));
    Varnish v = new Varnish(port, dir);
    v.process =
        new ProcessBuilder(
                List.of(
                    "/usr/sbin/varnishd", "-F",
                    "-n", dir.resolve("work").toString(),
                    "-a", "127.0.0.1:" + port,
                    "-f", vcl.toString(),
                    "-s", "malloc,64m",
                    "-T", "none",
                    "-j", "none", // no privilege separation: the test owns its files
                    "-p", "ban_lurker_sleep=0.01"))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("varnishd.log").toFile())
            .start();
    return v;
  }

  String log() throws IOException {
    return Files.readString(dir.resolve("varnishd.log"));
  }

  @Override
  public void close() throws IOException {
    if (process != null) {
      process.destroy(); // SIGTERM: the manager stops its child
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
