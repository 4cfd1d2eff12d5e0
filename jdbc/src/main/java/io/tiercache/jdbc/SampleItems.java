package io.tiercache.jdbc;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * Generates the rows of {@code sample_item}. Each kind of key draws from a {@link Random} of its
 * own, seeded from the spec's seed and the kind, so the rows of one kind stay the same when the
 * count of another changes.
 */
final class SampleItems {
  /** One row of {@code sample_item}. */
  record Item(String key, String value, long version, String tags) {}

  private static final String WORDS =
      "tier cache source edge lease stale fresh shard replica token bucket write back around"
          + " through probe breaker warm cold hot blob session product price stock colour size";
  private static final String[] WORD = WORDS.split(" ");
  private static final char[] ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".toCharArray();

  private SampleItems() {}

  static List<Item> generate(SampleData.Spec spec) {
    List<Item> items = new ArrayList<>();
    Random hot = random(spec, "hot");
    for (int i = 0; i < spec.hotKeys(); i++) {
      String value = "{\"id\":" + i + ",\"score\":" + hot.nextInt(1_000_000) + "}";
      items.add(new Item("hot:" + i, value, 1 + hot.nextInt(1000), "hot"));
    }
    Random product = random(spec, "product");
    for (int i = 0; i < spec.products(); i++) {
      items.add(
          new Item(
              "product:" + i,
              productValue(product, i),
              1 + product.nextInt(1000),
              "product,category:" + (i % 20)));
    }
    Random session = random(spec, "session");
    for (int i = 0; i < spec.sessions(); i++) {
      String value =
          "{\"user\":" + session.nextInt(100_000) + ",\"state\":\"" + text(session, 160) + "\"}";
      items.add(new Item("session:" + i, value, 1 + session.nextInt(1000), "session"));
    }
    Random blob = random(spec, "blob");
    for (int i = 0; i < spec.blobs(); i++) {
      String value = text(blob, 1024 + blob.nextInt(15 * 1024));
      items.add(new Item("blob:" + sha256Hex(value), value, 1, "blob"));
    }
    return items;
  }

  /** The lower-case hex SHA-256 of the UTF-8 bytes of {@code value}: a blob's address. */
  static String sha256Hex(String value) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static Random random(SampleData.Spec spec, String kind) {
    return new Random(spec.seed() * 31 + kind.hashCode());
  }

  // Medium values, 0.3 to 2 KB: the shape of a product document.
  private static String productValue(Random random, int i) {
    StringBuilder description = new StringBuilder();
    int words = 40 + random.nextInt(260);
    for (int w = 0; w < words; w++) {
      description.append(w == 0 ? "" : " ").append(WORD[random.nextInt(WORD.length)]);
    }
    return "{\"id\":"
        + i
        + ",\"name\":\"product "
        + i
        + "\",\"price\":"
        + random.nextInt(100_000) / 100.0
        + ",\"description\":\""
        + description
        + "\"}";
  }

  private static String text(Random random, int length) {
    char[] chars = new char[length];
    for (int i = 0; i < length; i++) {
      chars[i] = ALPHABET[random.nextInt(ALPHABET.length)];
    }
    return new String(chars);
  }
}
