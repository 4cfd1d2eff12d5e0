package io.tiercache.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EntryCodecTest {

  @Test
  void roundTrip_keepsEveryField() {
    Entry e =
        new Entry(
            "hello".getBytes(StandardCharsets.UTF_8),
            42,
            1_900_000_000_000L,
            1_900_000_060_000L,
            1_900_000_065_000L,
            17,
            Set.of("product", "tenant:ä"));
    assertThat(EntryCodec.decode(EntryCodec.encode(e))).isEqualTo(e);
  }

  @Test
  void envelope_isCompact() {
    Entry e =
        new Entry(
            new byte[100],
            3,
            1_900_000_000_000L,
            1_900_000_030_000L,
            1_900_000_032_000L,
            5,
            Set.of());
    assertThat(EntryCodec.encode(e).length).isLessThanOrEqualTo(100 + 20);
  }

  @Test
  void foreignOrTruncatedBytes_areRejected() {
    assertThatThrownBy(() -> EntryCodec.decode("plain".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
    Entry e = new Entry(new byte[0], 1, 10, 20, 30, 0, Set.of("tag"));
    byte[] b = EntryCodec.encode(e);
    assertThatThrownBy(() -> EntryCodec.decode(Arrays.copyOf(b, b.length - 2)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void deadlinesOutOfOrder_areRejected() {
    assertThatThrownBy(() -> new Entry(new byte[0], 1, 10, 30, 20, 0, Set.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
