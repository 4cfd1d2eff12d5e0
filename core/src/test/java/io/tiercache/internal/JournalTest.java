package io.tiercache.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tiercache.WriteBackFullException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
  @TempDir Path dir;
  private final AtomicLong micros = new AtomicLong(1_000);

  private Journal open(List<Journal.Record> replayed, long segment, long max) throws IOException {
    return Journal.open(dir, segment, max, 4, micros::get, (r, s, end) -> replayed.add(r));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static long append(Journal j, String key, String value) throws IOException {
    Journal.Appended a = j.append(Journal.PUT, key, bytes(value));
    j.awaitDurable(a.end());
    return a.end();
  }

  @Test
  void appendedRecords_areReplayedInOrder_withIncreasingVersions() throws IOException {
    try (Journal j = open(new ArrayList<>(), 1 << 20, 1 << 22)) {
      append(j, "a", "1");
      append(j, "b", "2");
      j.awaitDurable(j.append(Journal.DELETE, "a", new byte[0]).end());
    }
    List<Journal.Record> replayed = new ArrayList<>();
    try (Journal j = open(replayed, 1 << 20, 1 << 22)) {
      assertThat(replayed).extracting(Journal.Record::key).containsExactly("a", "b", "a");
      assertThat(replayed)
          .extracting(Journal.Record::type)
          .containsExactly((byte) 1, (byte) 1, (byte) 2);
      assertThat(new String(replayed.get(1).value(), StandardCharsets.UTF_8)).isEqualTo("2");
      assertThat(replayed.get(0).version()).isLessThan(replayed.get(1).version());
      // Versions keep growing after a restart even when the clock went back.
      micros.set(0);
      Journal.Appended next = j.append(Journal.PUT, "c", bytes("3"));
      assertThat(next.version()).isGreaterThan(replayed.get(2).version());
    }
  }

  @Test
  void aTornTail_endsTheReplay_andKeepsEveryCompleteRecord() throws IOException {
    long complete;
    try (Journal j = open(new ArrayList<>(), 1 << 20, 1 << 22)) {
      append(j, "a", "1");
      complete = append(j, "b", "2"); // the first segment's base is 0: the end is a position
    }
    Path file = firstSegment();
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(complete);
      f.write(new byte[] {0, 0, 0, 40, 1, 2, 3}); // a frame header whose payload never came
    }
    List<Journal.Record> replayed = new ArrayList<>();
    try (Journal j = open(replayed, 1 << 20, 1 << 22)) {
      assertThat(replayed).extracting(Journal.Record::key).containsExactly("a", "b");
    }
  }

  @Test
  void aCorruptRecord_failsItsChecksum_andEndsTheReplayOfItsSegment() throws IOException {
    long end;
    try (Journal j = open(new ArrayList<>(), 1 << 20, 1 << 22)) {
      append(j, "a", "1");
      end = append(j, "b", "2");
    }
    Path file = firstSegment();
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(end - 1);
      f.write('X'); // the last byte of b's value
    }
    List<Journal.Record> replayed = new ArrayList<>();
    try (Journal j = open(replayed, 1 << 20, 1 << 22)) {
      assertThat(replayed).extracting(Journal.Record::key).containsExactly("a");
    }
  }

  @Test
  void segmentsRoll_andAreDeleted_onceEveryRecordInThemIsReleased() throws IOException {
    try (Journal j = open(new ArrayList<>(), 4096, 1 << 20)) {
      List<Journal.Appended> first = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        Journal.Appended a = j.append(Journal.PUT, "k" + i, new byte[200]);
        j.awaitDurable(a.end());
        first.add(a);
      }
      assertThat(j.files()).hasSizeGreaterThan(2);
      Journal.Segment oldest = first.get(0).segment();
      first.stream().filter(a -> a.segment() == oldest).forEach(a -> j.release(a.segment()));

      assertThat(Files.exists(oldest.path)).isFalse();
      assertThat(j.files()).doesNotContain(oldest.path);
      first.stream().filter(a -> a.segment() != oldest).forEach(a -> j.release(a.segment()));
      assertThat(j.files()).hasSize(1); // the active segment stays
      assertThat(j.bytes()).isEqualTo(4096); // one preallocated segment
    }
  }

  @Test
  void pastItsBound_theJournalRefusesWrites_andKeepsWhatItHas() throws IOException {
    List<Journal.Appended> kept = new ArrayList<>();
    try (Journal j = open(new ArrayList<>(), 4096, 8192)) {
      assertThatThrownBy(
              () -> {
                for (int i = 0; i < 100; i++) {
                  Journal.Appended a = j.append(Journal.PUT, "k" + i, new byte[300]);
                  j.awaitDurable(a.end());
                  kept.add(a);
                }
              })
          .isInstanceOf(WriteBackFullException.class);
      assertThat(j.bytes()).isLessThanOrEqualTo(8192);
    }
    List<Journal.Record> replayed = new ArrayList<>();
    try (Journal j = open(replayed, 4096, 8192)) {
      assertThat(replayed).hasSize(kept.size()).isNotEmpty();
    }
  }

  @Test
  void aSecondOpenOfTheSameDirectory_isRefused() throws IOException {
    try (Journal j = open(new ArrayList<>(), 1 << 20, 1 << 22)) {
      assertThatThrownBy(() -> open(new ArrayList<>(), 1 << 20, 1 << 22))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("open in another");
    }
  }

  // The journal starts a new segment at each open; the records written before are in the first.
  private Path firstSegment() throws IOException {
    try (var s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".journal")).sorted().findFirst().orElseThrow();
    }
  }

  @Test
  void segmentFiles_arePreallocated_soAppendsNeverGrowThem() throws IOException {
    try (Journal j = open(new ArrayList<>(), 8192, 1 << 20)) {
      append(j, "a", "1");
      assertThat(Files.size(firstSegment())).isEqualTo(8192);
    }
  }

  @Test
  void aRecordLargerThanASegment_isRefused() throws IOException {
    try (Journal j = open(new ArrayList<>(), 4096, 1 << 20)) {
      assertThatThrownBy(() -> j.append(Journal.PUT, "big", new byte[5000]))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("does not fit");
    }
  }
}
