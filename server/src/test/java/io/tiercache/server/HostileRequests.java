package io.tiercache.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generates malformed and hostile requests, every one of which a gateway must refuse with a 4xx and
 * no change: bad JSON, wrong types, unknown scopes and fields, invalid patterns, overlong and
 * control-character keys, odd percent-encodings, oversized bodies, invalid UTF-8. Deterministic for
 * a seed, so a failure can be replayed.
 */
final class HostileRequests {
  /** One request: method, path (already percent-encoded), body bytes or null, token or null. */
  record Request(String method, String path, byte[] body, String token, String why) {
    /**
     * Whether only a raw socket can send it: its path is not a valid URI, or its body is over the
     * limit (the server answers 413 and closes the connection without reading the body; a pooled
     * client connection could be reused for the next request in the meantime).
     */
    boolean raw() {
      if (body != null && body.length > 1 << 20) {
        return true;
      }
      try {
        java.net.URI.create("http://h" + path);
        return false;
      } catch (IllegalArgumentException e) {
        return true;
      }
    }
  }

  private final Random random;
  private final String adminToken;

  HostileRequests(long seed, String adminToken) {
    this.random = new Random(seed);
    this.adminToken = adminToken;
  }

  List<Request> generate(int count) {
    List<Request> out = new ArrayList<>(count);
    while (out.size() < count) {
      out.add(
          switch (random.nextInt(9)) {
            case 0 -> badInvalidateJson();
            case 1 -> badInvalidateFields();
            case 2 -> badKeyInPath();
            case 3 -> badPut();
            case 4 -> badClassRow();
            case 5 -> badWarmup();
            case 6 -> badQuery();
            case 7 -> badCredential();
            default -> oddPath();
          });
    }
    // A few bodies over the 1 MB limit.
    for (int i = 0; i < 5; i++) {
      byte[] big = new byte[(1 << 20) + 1024 * (i + 1)];
      java.util.Arrays.fill(big, (byte) 'a');
      out.add(new Request("PUT", "/v1/cache/shop/hot:1", big, adminToken, "body over the limit"));
      out.add(new Request("POST", "/invalidate", big, adminToken, "body over the limit"));
    }
    return out;
  }

  private static final String[] SCOPES = {"key", "keys", "prefix", "tag", "class", "all"};

  private Request badInvalidateJson() {
    String valid = "{\"scope\":\"tag\",\"namespace\":\"shop\",\"tag\":\"t\"}";
    byte[] body =
        switch (random.nextInt(10)) {
          case 0 ->
              valid
                  .substring(0, random.nextInt(valid.length() - 1))
                  .getBytes(StandardCharsets.UTF_8);
          case 1 -> randomBytes(1 + random.nextInt(200));
          case 2 -> ("[".repeat(20 + random.nextInt(5000))).getBytes(StandardCharsets.UTF_8);
          case 3 -> (valid + "{}").getBytes(StandardCharsets.UTF_8);
          case 4 ->
              "{\"scope\":\"tag\",\"scope\":\"all\",\"namespace\":\"shop\",\"tag\":\"t\"}"
                  .getBytes(StandardCharsets.UTF_8);
          case 5 -> "[]".getBytes(StandardCharsets.UTF_8);
          case 6 -> "null".getBytes(StandardCharsets.UTF_8);
          case 7 -> new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
          case 8 ->
              "{/* c */\"scope\":\"all\",\"namespace\":\"shop\"}".getBytes(StandardCharsets.UTF_8);
          default -> new byte[0];
        };
    return new Request("POST", "/invalidate", body, adminToken, "malformed JSON");
  }

  private Request badInvalidateFields() {
    String scope = SCOPES[random.nextInt(SCOPES.length)];
    String body =
        switch (random.nextInt(14)) {
          case 0 -> "{\"scope\":\"" + junkWord() + "\",\"namespace\":\"shop\",\"key\":\"k\"}";
          case 1 -> "{\"scope\":" + random.nextInt(9) + ",\"namespace\":\"shop\"}";
          case 2 -> "{\"scope\":\"" + scope + "\"}";
          case 3 -> "{\"scope\":\"all\",\"namespace\":\"" + badNamespace() + "\"}";
          case 4 ->
              "{\"scope\":\"key\",\"namespace\":\"shop\",\"key\":" + jsonString(badKey()) + "}";
          case 5 ->
              "{\"scope\":\"keys\",\"namespace\":\"shop\",\"keys\":[\"ok\","
                  + jsonString(badKey())
                  + "]}";
          case 6 -> "{\"scope\":\"keys\",\"namespace\":\"shop\",\"keys\":[]}";
          case 7 ->
              "{\"scope\":\"prefix\",\"namespace\":\"shop\",\"prefix\":"
                  + jsonString(random.nextBoolean() ? "" : badKey())
                  + "}";
          case 8 ->
              "{\"scope\":\"tag\",\"namespace\":\"shop\",\"tag\":" + jsonString(badTag()) + "}";
          case 9 ->
              "{\"scope\":\"class\",\"namespace\":\"shop\",\"class\":"
                  + jsonString(
                      random.nextBoolean() ? "NoSuch" : "no_such_class_" + random.nextInt(1000))
                  + "}";
          case 10 -> "{\"scope\":\"key\",\"namespace\":\"shop\",\"key\":\"k\",\"tag\":\"t\"}";
          case 11 -> "{\"scope\":\"all\",\"namespace\":\"shop\",\"" + junkWord() + "\":1}";
          case 12 ->
              "{\"scope\":\"tag\",\"namespace\":\"shop\",\"tag\":\"t\",\"reason\":\"a\\u0000b\"}";
          default -> "{\"scope\":\"key\",\"namespace\":\"shop\",\"key\":{\"nested\":[1,2]}}";
        };
    return new Request(
        "POST", "/invalidate", body.getBytes(StandardCharsets.UTF_8), adminToken, "invalid fields");
  }

  private Request badKeyInPath() {
    String method = random.nextInt(3) == 0 ? "DELETE" : "GET";
    return new Request(
        method, "/v1/cache/shop/" + encodedBadKey(), null, adminToken, "bad key in path");
  }

  private Request badPut() {
    return switch (random.nextInt(4)) {
      case 0 ->
          new Request(
              "PUT",
              "/v1/cache/shop/" + encodedBadKey(),
              "v".getBytes(StandardCharsets.UTF_8),
              adminToken,
              "bad key");
      case 1 ->
          new Request(
              "PUT",
              "/v1/cache/shop/hot:1",
              new byte[] {(byte) 0xff, (byte) 0xfe, 'a'},
              adminToken,
              "invalid UTF-8");
      case 2 ->
          new Request(
              "PUT",
              "/v1/cache/" + badNamespaceEncoded() + "/hot:1",
              "v".getBytes(StandardCharsets.UTF_8),
              adminToken,
              "bad namespace");
      default ->
          new Request(
              "PUT",
              "/v1/cache/shop/hot:1?version=1",
              "v".getBytes(StandardCharsets.UTF_8),
              null,
              "no credential");
    };
  }

  private Request badClassRow() {
    String row =
        switch (random.nextInt(12)) {
          case 0 -> "{\"key_pattern\":\"h:*\",\"ttl\":\"-5s\"}";
          case 1 -> "{\"key_pattern\":\"h:*\",\"ttl\":\"5s\",\"" + junkWord() + "\":1}";
          case 2 ->
              "{\"key_pattern\":" + jsonString("bad pattern " + badKey()) + ",\"ttl\":\"5s\"}";
          case 3 -> "{\"key_pattern\":\"hot:*\",\"ttl\":\"5s\"}"; // the pattern of another class
          case 4 ->
              "{\"key_pattern\":\"h:*\",\"ttl\":\"5s\",\"eviction_policy\":\"" + junkWord() + "\"}";
          case 5 ->
              "{\"key_pattern\":\"h:*\",\"ttl\":\"5s\",\"tags\":[" + jsonString(badTag()) + "]}";
          case 6 -> "{\"key_pattern\":\"h:*\",\"ttl\":\"5s\",\"source_rate_limit\":1e400}";
          case 7 -> "{\"key_pattern\":\"h:*\",\"ttl\":{\"s\":5}}";
          case 8 -> "{\"key_pattern\":\"h:*\",\"ttl\":\"5s\",\"tags\":[null]}";
          case 9 -> "{\"class\":\"other\",\"key_pattern\":\"h:*\",\"ttl\":\"5s\"}";
          case 10 -> "{\"key_pattern\":\"h:*\",\"ttl\":\"5s\",\"stale_if_error\":\"999d\"}";
          default -> "{\"ttl\":\"5s\"}";
        };
    String name = random.nextInt(10) == 0 ? "Bad%20Name" : "hostile";
    return new Request(
        "PUT",
        "/classes/" + name,
        row.getBytes(StandardCharsets.UTF_8),
        adminToken,
        "invalid class");
  }

  private Request badWarmup() {
    String body =
        switch (random.nextInt(7)) {
          case 0 -> "{\"namespace\":\"shop\",\"keys\":[\"hot:1\"],\"rate\":0}";
          case 1 -> "{\"namespace\":\"shop\",\"keys\":[\"hot:1\"],\"rate\":1000000000}";
          case 2 -> "{\"namespace\":\"shop\",\"keys\":[" + jsonString(badKey()) + "]}";
          case 3 -> "{\"namespace\":\"shop\",\"keys\":[\"hot:1\"],\"accessLog\":\"hot:2\"}";
          case 4 -> "{\"namespace\":\"shop\"}";
          case 5 -> "{\"namespace\":\"shop\",\"accessLog\":\"not a key line\\n\\u0001\\u0002\"}";
          default -> "{\"namespace\":\"shop\",\"keys\":\"hot:1\"}";
        };
    return new Request(
        "POST", "/warmup", body.getBytes(StandardCharsets.UTF_8), adminToken, "invalid warm-up");
  }

  private Request badQuery() {
    String path =
        switch (random.nextInt(6)) {
          case 0 -> "/audit?from=" + junkWord();
          case 1 -> "/audit?limit=" + (random.nextBoolean() ? "0" : "99999");
          case 2 -> "/audit?scope=" + junkWord();
          case 3 -> "/warmup/" + junkWord();
          case 4 -> "/classes/" + (random.nextBoolean() ? "UPPER" : "bad%00name");
          default -> "/v1/cache/shop/hot:1?reason=%00";
        };
    String method = path.endsWith("%00") ? "DELETE" : "GET";
    return new Request(method, path, null, adminToken, "invalid query");
  }

  private Request badCredential() {
    String token =
        switch (random.nextInt(4)) {
          case 0 -> "x".repeat(600);
          case 1 -> junkWord();
          case 2 -> "tok en";
          default -> "=" + random.nextInt();
        };
    String path = random.nextBoolean() ? "/v1/cache/shop/hot:1" : "/invalidate";
    String method = path.equals("/invalidate") ? "POST" : "GET";
    byte[] body =
        method.equals("POST")
            ? "{\"scope\":\"all\",\"namespace\":\"shop\"}".getBytes(StandardCharsets.UTF_8)
            : null;
    return new Request(method, path, body, token, "bad credential");
  }

  private Request oddPath() {
    String path =
        switch (random.nextInt(10)) {
          case 6 -> "/v1/cache/shop/a b";
          case 7 -> "/v1/cache/shop/k\u0001";
          case 8 -> "/v1/cache/shop/\u00ff\u00fe";
          case 9 -> "/v1/cache/shop/../../etc/passwd";
          case 0 -> "/v1/cache/shop/" + "%2F..%2F" + junkWord();
          case 1 -> "/v1/cache/" + badNamespaceEncoded() + "/hot:1";
          case 2 -> "/v1/cache/shop/%ZZ";
          case 3 -> "/v1/cache/shop/%C3%28";
          case 4 -> "/v1/cache/shop";
          default -> "/" + junkWord();
        };
    return new Request("GET", path, null, adminToken, "odd path");
  }

  // --- pieces -------------------------------------------------------------------------------

  private String badKey() {
    return switch (random.nextInt(8)) {
      case 0 -> "k" + (char) random.nextInt(0x20);
      case 1 -> "x".repeat(513 + random.nextInt(2000));
      case 2 -> "caf\u00e9";
      case 3 -> "emoji\uD83D\uDE00";
      case 4 -> "<script>alert(1)</script>";
      case 5 -> "a b";
      case 6 -> "star*key";
      default -> "back\\slash\"quote";
    };
  }

  private String encodedBadKey() {
    return switch (random.nextInt(8)) {
      case 0 -> "k%" + String.format("%02X", random.nextInt(0x20));
      case 1 -> "x".repeat(513 + random.nextInt(1500));
      case 2 -> "caf%C3%A9";
      case 3 -> "%F0%9F%98%80";
      case 4 -> "%3Cscript%3E";
      case 5 -> "a%20b";
      case 6 -> "star%2A";
      default -> "q%3Fx%3D1";
    };
  }

  private String badTag() {
    return random.nextBoolean() ? "tc:reserved" : "tag with spaces " + random.nextInt(100);
  }

  private String badNamespace() {
    return switch (random.nextInt(4)) {
      case 0 -> "Shop";
      case 1 -> "../etc";
      case 2 -> "";
      default -> "n".repeat(65);
    };
  }

  private String badNamespaceEncoded() {
    return switch (random.nextInt(3)) {
      case 0 -> "Shop";
      case 1 -> "sh%00op";
      default -> "n".repeat(65);
    };
  }

  private String junkWord() {
    StringBuilder b = new StringBuilder();
    int n = 1 + random.nextInt(12);
    for (int i = 0; i < n; i++) {
      b.append((char) ('A' + random.nextInt(26)));
    }
    return b.toString();
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static String jsonString(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
