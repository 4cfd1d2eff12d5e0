package io.tiercache;

/**
 * Back-pressure: the write-back journal has reached {@link WriteBackOptions#maxJournalSize()}
 * because the source has not taken the journaled writes fast enough (or is down). The write was not
 * journaled and not acknowledged; every write acknowledged before stays journaled and will reach
 * the source. Retry later, or slow down.
 */
public class WriteBackFullException extends WriteFailedException {
  private static final long serialVersionUID = 1L;

  public WriteBackFullException(String key, long journalBytes, long maxBytes) {
    super(
        key,
        "the write-back journal is full ("
            + journalBytes
            + " of "
            + maxBytes
            + " bytes) until the source takes the pending writes");
  }
}
