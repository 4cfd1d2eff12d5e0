package io.tiercache.redis;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.tiercache.Invalidation;
import io.tiercache.redis.internal.BusClient;
import io.tiercache.redis.internal.BusEntries;
import io.tiercache.redis.internal.BusScripts;
import io.tiercache.spi.InvalidationBus;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscriber: a thread that reads the stream with XREAD BLOCK on a connection of its own and
 * delivers entries in sequence order.
 *
 * <p><b>Position.</b> {@code position} is the highest sequence delivered (see {@link
 * #startFromOldestRetained} for a fresh subscriber); the next read asks for the entries after it,
 * so a reconnection simply resumes where the node stopped (replay). Sequences are contiguous, so a
 * first entry that is not {@code position + 1} means entries were trimmed before this node read
 * them: {@code onGap} is called with the first one still held, and the node flushes what it cannot
 * replay. After every failure the position is also checked against the counter and the head of the
 * stream, because a Redis that lost its data (a restart) or trimmed the stream to nothing gives no
 * entry to compare with.
 *
 * <p><b>Last heard.</b> A read that returns fewer entries than it could, sent at {@code t}, proves
 * that everything appended before {@code t} has been delivered once its entries are: the server
 * answered with all it had after our position at some moment after {@code t}. {@link #lastHeard} is
 * that {@code t}; it stops moving as soon as reads fail or time out (a partition), which is what
 * lets the node stop trusting its L1 after a class's staleness epsilon.
 */
final class BusSubscription implements InvalidationBus.Subscription {
  private static final Logger log = LoggerFactory.getLogger(BusSubscription.class);

  private final BusClient.Connection connection;
  private final RedisBusOptions options;
  private final Consumer<Invalidation> listener;
  private final Consumer<Long> onGap;
  private final LongConsumer afterDelivery;
  private final Runnable onClose;
  private final Clock clock;
  private final Thread thread;
  private final AtomicLong gaps = new AtomicLong();
  // Written by the subscriber thread only; volatile for readers elsewhere.
  private volatile long position;
  private volatile long lastHeardMillis; // every L1 hit reads it: a long rather than an Instant
  private volatile boolean closed;

  BusSubscription(
      BusClient.Connection connection,
      RedisBusOptions options,
      long afterSequence,
      Consumer<Invalidation> listener,
      Consumer<Long> onGap,
      LongConsumer afterDelivery,
      Runnable onClose,
      Clock clock,
      String name) {
    this.connection = connection;
    this.options = options;
    this.position = afterSequence;
    this.listener = listener;
    this.onGap = onGap;
    this.afterDelivery = afterDelivery;
    this.onClose = onClose;
    this.clock = clock;
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public long watermark() {
    return position;
  }

  @Override
  public Instant lastHeard() {
    return Instant.ofEpochMilli(lastHeardMillis); // Instant.EPOCH until first heard
  }

  @Override
  public long lastHeardMillis() {
    return lastHeardMillis;
  }

  /** How many times entries were found missing. */
  long gaps() {
    return gaps.get();
  }

  private void run() {
    boolean fresh = position == 0;
    boolean checkPosition = !fresh;
    int failures = 0;
    while (!closed) {
      try {
        if (fresh) {
          startFromOldestRetained();
          fresh = false;
          checkPosition = false;
        } else if (checkPosition) {
          checkForLostEntries();
          checkPosition = false;
        }
        long sent = clock.millis();
        List<StreamMessage<String, byte[]>> batch = read();
        deliver(batch);
        if (batch.size() < options.readBatch()) {
          lastHeardMillis = sent;
        }
        failures = 0;
      } catch (InterruptedException e) {
        break;
      } catch (Exception e) {
        if (closed) {
          break;
        }
        failures++;
        checkPosition = true;
        if (failures == 1) {
          log.warn("invalidation bus read failed; retrying until Redis answers: {}", e.toString());
        } else {
          log.debug("invalidation bus read failed again", e);
        }
        if (!pause()) {
          break;
        }
      }
    }
  }

  private List<StreamMessage<String, byte[]>> read()
      throws InterruptedException, ExecutionException, TimeoutException {
    XReadArgs args = XReadArgs.Builder.block(options.pollTimeout()).count(options.readBatch());
    return connection
        .commands()
        .xread(args, XReadArgs.StreamOffset.from(options.streamKey(), position + "-0"))
        .get(
            options.pollTimeout().plus(options.commandTimeout()).toMillis(), TimeUnit.MILLISECONDS);
  }

  private void deliver(List<StreamMessage<String, byte[]>> batch) {
    if (batch == null || batch.isEmpty()) {
      return;
    }
    for (StreamMessage<String, byte[]> m : batch) {
      long sequence = BusEntries.sequenceOf(m.getId());
      if (position > 0 && sequence != position + 1) {
        gap(sequence, "entries " + (position + 1) + " to " + (sequence - 1) + " were trimmed");
      }
      try {
        listener.accept(BusEntries.decode(m.getId(), m.getBody()));
      } catch (RuntimeException e) {
        // An entry we cannot apply is one we missed: flushing is the only safe answer.
        log.error("invalidation {} could not be applied", sequence, e);
        gap(sequence + 1, "invalidation " + sequence + " could not be applied");
      }
      position = sequence;
    }
    afterDelivery.accept(position);
  }

  /**
   * A fresh subscriber (position 0) replays every entry still retained, then follows: it has cached
   * nothing yet that older entries could void, but it judges L2 entries by the rules it knows, and
   * anything it loaded before this first answer (Redis was down at start) is covered by the
   * retained entries. From here on the position is a real sequence and holes mean gaps.
   */
  private void startFromOldestRetained()
      throws InterruptedException, ExecutionException, TimeoutException {
    List<Object> answer = position();
    long counter = Long.parseLong(text(answer.get(0)));
    position = answer.get(1) == null ? counter : BusEntries.sequenceOf(text(answer.get(1))) - 1;
  }

  private List<Object> position()
      throws InterruptedException, ExecutionException, TimeoutException {
    return BusScripts.POSITION
        .<List<Object>>run(
            connection.commands(), new String[] {options.counterKey(), options.streamKey()})
        .toCompletableFuture()
        .get(options.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Compares the position with the counter and the first retained entry. The counter can only be
   * below the position if Redis lost it and its clock went back; then nothing after the position
   * will ever be read, so the position moves to the counter.
   */
  private void checkForLostEntries()
      throws InterruptedException, ExecutionException, TimeoutException {
    List<Object> answer = position();
    long counter = Long.parseLong(text(answer.get(0)));
    String first = answer.get(1) == null ? null : text(answer.get(1));
    if (counter == position) {
      return;
    }
    if (counter < position) {
      gap(counter + 1, "the bus's counter went back from " + position + " to " + counter);
      position = counter;
      return;
    }
    long firstRetained = first == null ? counter + 1 : BusEntries.sequenceOf(first);
    if (firstRetained > position + 1) {
      gap(firstRetained, "entries after " + position + " are gone (trimmed or Redis lost them)");
      position = firstRetained - 1;
    }
  }

  private void gap(long firstRetained, String why) {
    gaps.incrementAndGet();
    log.warn("invalidation bus gap: {}; the node flushes what it cannot replay", why);
    onGap.accept(firstRetained);
  }

  private static String text(Object value) {
    return value instanceof byte[] b
        ? new String(b, StandardCharsets.UTF_8)
        : String.valueOf(value);
  }

  /** Whether to go on: false when interrupted (closing). */
  private boolean pause() {
    try {
      // A real pause between retries while Redis does not answer, not a wait for a condition.
      Thread.sleep(Math.min(100, options.reconnectDelayMax().toMillis()));
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    onClose.run();
    connection.close();
    thread.interrupt();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
