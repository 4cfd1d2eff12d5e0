package io.tiercache.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 over a plain socket, for requests {@link java.net.http.HttpClient} refuses to send:
 * malformed percent-escapes, raw control bytes, invalid UTF-8 in the request line.
 */
final class RawHttp {
  /** A response: the status and the body (the connection is closed after it). */
  record Response(int status, String body) {}

  private RawHttp() {}

  static Response send(int port, byte[] requestLineAndHeaders, byte[] body) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      String tail =
          "Host: 127.0.0.1\r\nConnection: close\r\nContent-Length: "
              + (body == null ? 0 : body.length)
              + "\r\n\r\n";
      try {
        out.write(requestLineAndHeaders);
        out.write(tail.getBytes(StandardCharsets.US_ASCII));
        if (body != null) {
          out.write(body);
        }
        out.flush();
      } catch (IOException e) {
        // The server may answer (413) and stop reading before the body is sent: read its answer.
      }
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String text = all.toString(StandardCharsets.UTF_8);
      int lineEnd = text.indexOf("\r\n");
      if (lineEnd < 0) {
        return new Response(-1, text);
      }
      int status = Integer.parseInt(text.substring(9, 12));
      int bodyStart = text.indexOf("\r\n\r\n");
      String rest = bodyStart < 0 ? "" : text.substring(bodyStart + 4);
      if (text.substring(0, Math.max(0, bodyStart))
          .toLowerCase()
          .contains("transfer-encoding: chunked")) {
        rest = dechunk(rest);
      }
      return new Response(status, rest);
    }
  }

  private static String dechunk(String chunked) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < chunked.length()) {
      int eol = chunked.indexOf("\r\n", i);
      if (eol < 0) {
        break;
      }
      int size = Integer.parseInt(chunked.substring(i, eol).trim(), 16);
      if (size == 0) {
        break;
      }
      out.append(chunked, eol + 2, Math.min(chunked.length(), eol + 2 + size));
      i = eol + 2 + size + 2;
    }
    return out.toString();
  }
}
