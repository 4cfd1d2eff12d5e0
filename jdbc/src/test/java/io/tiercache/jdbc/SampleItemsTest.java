package io.tiercache.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tiercache.InvalidConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SampleItemsTest {
  private static final SampleData.Spec SMALL = new SampleData.Spec(10, 20, 5, 3, 7);

  @Test
  void theSameSpec_generatesTheSameRows() {
    assertThat(SampleItems.generate(SMALL)).isEqualTo(SampleItems.generate(SMALL));
  }

  @Test
  void anotherSeed_generatesOtherValues() {
    SampleData.Spec reseeded = new SampleData.Spec(10, 20, 5, 3, 8);

    assertThat(SampleItems.generate(reseeded)).isNotEqualTo(SampleItems.generate(SMALL));
  }

  @Test
  void changingTheCountOfOneKind_leavesTheRowsOfTheOthersAlone() {
    List<SampleItems.Item> moreHot = SampleItems.generate(new SampleData.Spec(11, 20, 5, 3, 7));

    assertThat(moreHot).containsAll(SampleItems.generate(SMALL));
  }

  @Test
  void everyKindIsGenerated_withUniqueKeys_inTheSpecsCounts() {
    List<String> keys = SampleData.keys(SMALL);

    assertThat(keys).hasSize(SMALL.rows()).doesNotHaveDuplicates();
    assertThat(keys).filteredOn(k -> k.startsWith("hot:")).hasSize(10).contains("hot:0", "hot:9");
    assertThat(keys).filteredOn(k -> k.startsWith("product:")).hasSize(20);
    assertThat(keys).filteredOn(k -> k.startsWith("session:")).hasSize(5);
    assertThat(keys).filteredOn(k -> k.startsWith("blob:")).hasSize(3);
  }

  @Test
  void aBlobsKey_isTheSha256OfItsValue() {
    assertThat(SampleItems.generate(SMALL))
        .filteredOn(i -> i.key().startsWith("blob:"))
        .allSatisfy(i -> assertThat(i.key()).isEqualTo("blob:" + SampleItems.sha256Hex(i.value())));
    // The SHA-256 test vector of "abc" (FIPS 180-2).
    assertThat(SampleItems.sha256Hex("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void valueSizes_followTheirKind() {
    for (SampleItems.Item item : SampleItems.generate(SMALL)) {
      int size = item.value().length();
      String kind = item.key().substring(0, item.key().indexOf(':'));
      switch (kind) {
        case "hot" -> assertThat(size).isLessThan(64);
        case "product" -> assertThat(size).isBetween(200, 2500);
        case "session" -> assertThat(size).isBetween(150, 250);
        default -> assertThat(size).isBetween(1024, 16 * 1024);
      }
    }
  }

  @Test
  void aNegativeCount_isRejectedNamingTheField() {
    assertThatThrownBy(() -> new SampleData.Spec(-1, 0, 0, 0, 1))
        .isInstanceOf(InvalidConfigException.class)
        .extracting(e -> ((InvalidConfigException) e).field())
        .isEqualTo("hotKeys");
  }
}
