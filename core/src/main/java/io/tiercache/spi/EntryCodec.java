package io.tiercache.spi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The compact binary form of an {@link Entry}, as stored in one Redis value.
 *
 * <pre>
 *   byte     magic 0x54 ('T')
 *   byte     format 1
 *   varint   version
 *   varint   writtenAt (epoch ms)
 *   varint   freshUntil - writtenAt
 *   varint   staleUntil - freshUntil
 *   varint   computeMillis
 *   varint   generation                 (format 2 only; format 1 reads as generation 0)
 *   varint   tag count, then per tag: varint length, UTF-8 bytes
 *   bytes    the value, to the end
 * </pre>
 *
 * Varints are unsigned LEB128, as in protobuf: a typical envelope costs about 15 bytes over the
 * value. Written by hand because the format is tiny and fixed and a serialization library would
 * cost more than it saves here.
 */
public final class EntryCodec {
  private static final byte MAGIC = 0x54;
  private static final byte FORMAT = 2;
  private static final byte FORMAT_WITHOUT_GENERATION = 1;

  private EntryCodec() {}

  /** Encodes an entry. */
  public static byte[] encode(Entry e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(e.value().length + 24);
    out.write(MAGIC);
    out.write(FORMAT);
    writeVarint(out, e.version());
    writeVarint(out, e.writtenAtMs());
    writeVarint(out, e.freshUntilMs() - e.writtenAtMs());
    writeVarint(out, e.staleUntilMs() - e.freshUntilMs());
    writeVarint(out, e.computeMillis());
    writeVarint(out, e.generation());
    writeVarint(out, e.tags().size());
    for (String tag : e.tags()) {
      byte[] t = tag.getBytes(StandardCharsets.UTF_8);
      writeVarint(out, t.length);
      out.writeBytes(t);
    }
    out.writeBytes(e.value());
    return out.toByteArray();
  }

  /**
   * Decodes bytes written by {@link #encode}.
   *
   * @throws IllegalArgumentException when the bytes are not an envelope (a foreign value under a
   *     tiercache key); callers treat that as a miss
   */
  public static Entry decode(byte[] bytes) {
    if (bytes.length < 2
        || bytes[0] != MAGIC
        || (bytes[1] != FORMAT && bytes[1] != FORMAT_WITHOUT_GENERATION)) {
      throw new IllegalArgumentException("not a tiercache entry");
    }
    int[] pos = {2};
    long version = readVarint(bytes, pos);
    long writtenAt = readVarint(bytes, pos);
    long freshUntil = writtenAt + readVarint(bytes, pos);
    long staleUntil = freshUntil + readVarint(bytes, pos);
    int compute = (int) readVarint(bytes, pos);
    long generation = bytes[1] == FORMAT ? readVarint(bytes, pos) : 0;
    int tagCount = (int) readVarint(bytes, pos);
    Set<String> tags = new HashSet<>(tagCount * 2);
    for (int i = 0; i < tagCount; i++) {
      int len = (int) readVarint(bytes, pos);
      checkBounds(bytes, pos[0], len);
      tags.add(new String(bytes, pos[0], len, StandardCharsets.UTF_8));
      pos[0] += len;
    }
    byte[] value = Arrays.copyOfRange(bytes, pos[0], bytes.length);
    return new Entry(value, version, writtenAt, freshUntil, staleUntil, compute, tags, generation);
  }

  private static void writeVarint(ByteArrayOutputStream out, long v) {
    if (v < 0) {
      throw new IllegalArgumentException("negative field " + v);
    }
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static long readVarint(byte[] b, int[] pos) {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      checkBounds(b, pos[0], 1);
      byte x = b[pos[0]++];
      result |= (long) (x & 0x7F) << shift;
      if ((x & 0x80) == 0) {
        return result;
      }
    }
    throw new IllegalArgumentException("malformed varint");
  }

  private static void checkBounds(byte[] b, int at, int len) {
    if (len < 0 || at + len > b.length) {
      throw new IllegalArgumentException("truncated tiercache entry");
    }
  }
}
