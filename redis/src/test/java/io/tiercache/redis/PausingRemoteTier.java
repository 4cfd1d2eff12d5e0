package io.tiercache.redis;

import io.tiercache.spi.RemoteTier;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Wraps a real remote tier so that the first {@code tryLease} call is held until the test lets it
 * go, to force one interleaving of two nodes exactly (a node that lost the CPU between reading L2
 * and asking for the lease). Every other call goes straight through. A dynamic proxy, so that the
 * wrapper follows the SPI as it grows.
 */
final class PausingRemoteTier implements InvocationHandler {
  private final RemoteTier delegate;
  private final CountDownLatch reached = new CountDownLatch(1);
  private final CountDownLatch resume = new CountDownLatch(1);

  private PausingRemoteTier(RemoteTier delegate) {
    this.delegate = delegate;
  }

  /** The handle of a wrapped tier: the tier to give the cache, and the controls of the pause. */
  record Paused(RemoteTier tier, PausingRemoteTier controls) {}

  static Paused wrap(RemoteTier delegate) {
    PausingRemoteTier handler = new PausingRemoteTier(delegate);
    RemoteTier proxy =
        (RemoteTier)
            Proxy.newProxyInstance(
                RemoteTier.class.getClassLoader(), new Class<?>[] {RemoteTier.class}, handler);
    return new Paused(proxy, handler);
  }

  /** Waits until a caller is held in {@code tryLease}. */
  boolean awaitPaused() throws InterruptedException {
    return reached.await(10, TimeUnit.SECONDS);
  }

  /** Lets the held caller (and every later one) through. */
  void resume() {
    resume.countDown();
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    if (method.getName().equals("tryLease")) {
      reached.countDown();
      // Held in the caller's thread before the command is sent, so the cache's L2 timeout, which
      // starts once a stage is returned, cannot cut the pause short.
      if (!resume.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test never resumed tryLease");
      }
    }
    try {
      return method.invoke(delegate, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
