package io.tiercache.internal;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The record format of the {@link Journal}:
 *
 * <pre>
 *   frame:   int payload length | int CRC-32C of the payload | payload
 *   payload: byte type (1 put, 2 delete) | long version | int key length | key UTF-8 | value bytes
 * </pre>
 *
 * A frame is built before its version is known (outside the journal's lock) and sealed with it
 * under the lock, so the lock covers a few stores and a CRC of a few hundred bytes.
 */
final class JournalFrames {
  static final int HEADER = 8;
  private static final int MIN_PAYLOAD = 1 + 8 + 4;
  private static final int MAX_PAYLOAD = 256 << 20;

  /** A decoded record and where its frame ends, relative to the start of its file. */
  interface Sink {
    void accept(Journal.Record record, long endInFile) throws IOException;
  }

  private JournalFrames() {}

  /** A frame of the record, to be {@link #seal sealed} with its version. */
  static ByteBuffer frame(byte type, String key, byte[] value) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    int payload = MIN_PAYLOAD + k.length + value.length;
    ByteBuffer buf = ByteBuffer.allocate(HEADER + payload);
    buf.putInt(payload).putInt(0).put(type).putLong(0).putInt(k.length).put(k).put(value);
    return buf;
  }

  /** Writes the version and the checksum into a frame; {@code crc} is reused by the caller. */
  static void seal(ByteBuffer frame, long version, CRC32C crc) {
    frame.putLong(HEADER + 1, version);
    crc.reset();
    crc.update(frame.array(), HEADER, frame.capacity() - HEADER);
    frame.putInt(4, (int) crc.getValue());
  }

  /**
   * Reads frames until the end of the file or the first torn, zeroed or corrupt one (after which
   * nothing was acknowledged: see {@link Journal}).
   */
  static void readAll(DataInputStream in, Sink sink) throws IOException {
    CRC32C check = new CRC32C();
    long end = 0;
    while (true) {
      int length;
      int sum;
      byte[] payload;
      try {
        length = in.readInt();
        sum = in.readInt();
        if (length < MIN_PAYLOAD || length > MAX_PAYLOAD) {
          return; // the zeros of a preallocated tail, or a torn header
        }
        payload = new byte[length];
        in.readFully(payload);
      } catch (EOFException e) {
        return; // a torn tail
      }
      check.reset();
      check.update(payload);
      if ((int) check.getValue() != sum) {
        return;
      }
      ByteBuffer b = ByteBuffer.wrap(payload);
      byte type = b.get();
      long version = b.getLong();
      byte[] key = new byte[b.getInt()];
      b.get(key);
      byte[] value = new byte[b.remaining()];
      b.get(value);
      end += HEADER + length;
      sink.accept(
          new Journal.Record(type, new String(key, StandardCharsets.UTF_8), value, version), end);
    }
  }
}
