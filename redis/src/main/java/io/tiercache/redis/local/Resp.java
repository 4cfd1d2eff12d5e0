package io.tiercache.redis.local;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Just enough of the Redis protocol (RESP2) to ask a local server whether it is up: one command,
 * one simple, integer or bulk-string reply, on a fresh socket. Written by hand so that starting a
 * server needs no Lettuce client, with its threads and reconnect logic, for a PING.
 */
final class Resp {
  private Resp() {}

  /**
   * Sends one command and returns the reply as a string ({@code null} for a nil bulk string).
   *
   * @throws IOException when the server cannot be reached, times out or answers with an error
   */
  static String call(String host, int port, Duration timeout, String... args) throws IOException {
    try (Socket socket = new Socket()) {
      int millis = (int) Math.max(1, timeout.toMillis());
      socket.connect(new InetSocketAddress(host, port), millis);
      socket.setSoTimeout(millis);
      OutputStream out = socket.getOutputStream();
      out.write(encode(args));
      out.flush();
      return readReply(new DataInputStream(new BufferedInputStream(socket.getInputStream())));
    }
  }

  private static byte[] encode(String... args) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
    for (String arg : args) {
      byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
      b.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      b.writeBytes(bytes);
      b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    return b.toByteArray();
  }

  private static String readReply(DataInputStream in) throws IOException {
    String line = readLine(in);
    if (line.isEmpty()) {
      throw new IOException("empty reply");
    }
    String rest = line.substring(1);
    switch (line.charAt(0)) {
      case '+':
      case ':':
        return rest;
      case '-':
        throw new IOException("Redis answered with an error: " + rest);
      case '$':
        int length = Integer.parseInt(rest);
        if (length < 0) {
          return null;
        }
        byte[] body = new byte[length];
        in.readFully(body);
        readLine(in);
        return new String(body, StandardCharsets.UTF_8);
      default:
        throw new IOException("unexpected reply: " + line);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        throw new IOException("connection closed in the middle of a reply");
      }
      if (c != '\r') {
        line.write(c);
      }
    }
    return line.toString(StandardCharsets.UTF_8);
  }
}
