package io.tiercache;

import java.nio.charset.StandardCharsets;

/**
 * Turns values into the bytes stored in L2 and back. L1 keeps the decoded value beside its bytes,
 * so an L1 hit decodes nothing: every caller of a key shares one instance, so cache immutable
 * values (strings, records, byte arrays nobody writes to).
 */
public interface ValueCodec<V> {

  /** Encodes a non-null value. */
  byte[] encode(V value);

  /** Decodes bytes produced by {@link #encode}. */
  V decode(byte[] bytes);

  /** UTF-8 strings. */
  static ValueCodec<String> utf8() {
    return new ValueCodec<>() {
      @Override
      public byte[] encode(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public String decode(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
      }
    };
  }

  /** Raw bytes, stored as given (callers must not mutate arrays they passed in or got back). */
  static ValueCodec<byte[]> bytes() {
    return new ValueCodec<>() {
      @Override
      public byte[] encode(byte[] value) {
        return value;
      }

      @Override
      public byte[] decode(byte[] bytes) {
        return bytes;
      }
    };
  }
}
