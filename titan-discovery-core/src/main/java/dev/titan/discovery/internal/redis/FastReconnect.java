package dev.titan.discovery.internal.redis;

import io.lettuce.core.protocol.ConnectionWatchdog;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.TimerTask;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The reconnect timing of the clients we own: Lettuce's jittered back-off (at most 1 s apart, so
 * a fleet does not reconnect in lock-step), cut short when Sentinel announces a new master.
 *
 * <p>Lettuce's {@link ConnectionWatchdog} waits for its back-off on the client resources' {@link
 * Timer} before it asks the sentinels for the master again, and with a plain {@code
 * redis-sentinel://} connection nothing tells it that a failover has just ended: heartbeats
 * resumed up to 1 s after the promotion. Here the timer is a thin wrapper that remembers the
 * pending reconnect timeouts (the watchdog's, recognised by their task's class), and {@link
 * #masterSwitched()} runs them at once: the watchdog then resolves the new master through the
 * sentinels and reconnects. A timeout is only run if cancelling it succeeded, so a reconnect
 * never runs twice. For a short while after a switch the back-off is short as well (at most 100
 * ms), for an attempt that was already under way and still reached the old master, or asked a
 * sentinel that had not switched yet.
 *
 * <p>Should a later Lettuce schedule its reconnects differently, nothing is recognised and the
 * ordinary back-off applies, as before.
 */
public final class FastReconnect {

  private static final String WATCHDOG = ConnectionWatchdog.class.getName();
  private static final long SHORT_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final Delay normal = Delay.fullJitter(Duration.ofMillis(20), Duration.ofSeconds(1), 100, TimeUnit.MILLISECONDS);
  private final Delay shortly = Delay.fullJitter(Duration.ofMillis(10), Duration.ofMillis(100), 10, TimeUnit.MILLISECONDS);
  private final HashedWheelTimer wheel = new HashedWheelTimer(new DefaultThreadFactory("lettuce-timer", true));
  private final Set<Pending> pending = ConcurrentHashMap.newKeySet();
  private final SwitchAwareTimer timer = new SwitchAwareTimer();
  private volatile long switchedAtNanos;
  private volatile boolean switched;

  /**
   * Client resources for a client we own, with this reconnect timing. Shut them down with {@link
   * #shutdown(ClientResources)}.
   *
   * @return new resources
   */
  public static ClientResources resources() {
    FastReconnect fast = new FastReconnect();
    return DefaultClientResources.builder()
        .ioThreadPoolSize(2)
        .computationThreadPoolSize(2)
        .reconnectDelay(fast.new SwitchAwareDelay())
        .timer(fast.timer)
        .build();
  }

  /**
   * The reconnect timing of resources made by {@link #resources()}.
   *
   * @param resources client resources
   * @return their reconnect timing, or null for anybody else's resources
   */
  public static @Nullable FastReconnect of(ClientResources resources) {
    return resources.timer() instanceof SwitchAwareTimer t ? t.owner() : null;
  }

  /**
   * Shuts down resources made by {@link #resources()}, the timer too (resources given a timer
   * leave it running).
   *
   * @param resources the resources
   * @return completes when the resources and the timer have stopped
   */
  public static java.util.concurrent.CompletableFuture<Void> shutdown(ClientResources resources) {
    java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
    resources.shutdown(0, 2, TimeUnit.SECONDS).addListener(f -> {
      FastReconnect fast = of(resources);
      if (fast != null) {
        fast.stopTimer();
      }
      done.complete(null);
    });
    return done;
  }

  /**
   * A new master was announced: every reconnect waiting for its back-off runs now, and the next
   * back-offs are short for a while.
   *
   * @return how many reconnects were started
   */
  public int masterSwitched() {
    switchedAtNanos = System.nanoTime();
    switched = true;
    int fired = 0;
    for (Pending p : pending) {
      if (p.fireNow()) {
        fired++;
      }
    }
    return fired;
  }

  private void stopTimer() {
    try {
      wheel.stop();
    } catch (IllegalStateException e) { // called from a timer task: stop from elsewhere
      Thread t = new Thread(wheel::stop, "lettuce-timer-stop");
      t.setDaemon(true);
      t.start();
    }
  }

  private boolean recentlySwitched() {
    return switched && System.nanoTime() - switchedAtNanos < SHORT_BACKOFF_NANOS;
  }

  /** Lettuce's back-off, short right after a switch. */
  private final class SwitchAwareDelay extends Delay {
    @Override
    public Duration createDelay(long attempt) {
      return recentlySwitched() ? shortly.createDelay(attempt) : normal.createDelay(attempt);
    }
  }

  /** A reconnect timeout of a watchdog, runnable early. */
  private final class Pending implements TimerTask, Timeout {
    private final TimerTask task;
    private volatile @Nullable Timeout scheduled;
    private volatile boolean ranEarly;

    Pending(TimerTask task) {
      this.task = task;
    }

    @Override
    public void run(Timeout timeout) throws Exception {
      pending.remove(this);
      task.run(this);
    }

    /** Runs the task now, unless it ran or was cancelled already. */
    boolean fireNow() {
      Timeout s = scheduled;
      if (s == null || !s.cancel()) {
        return false;
      }
      ranEarly = true;
      pending.remove(this);
      try {
        task.run(this);
      } catch (Exception e) {
        return false;
      }
      return true;
    }

    @Override
    public Timer timer() {
      return timer;
    }

    @Override
    public TimerTask task() {
      return task;
    }

    @Override
    public boolean isExpired() {
      Timeout s = scheduled;
      return ranEarly || (s != null && s.isExpired());
    }

    @Override
    public boolean isCancelled() {
      Timeout s = scheduled;
      return !ranEarly && s != null && s.isCancelled();
    }

    @Override
    public boolean cancel() {
      pending.remove(this);
      Timeout s = scheduled;
      return !ranEarly && s != null && s.cancel();
    }
  }

  /** The resources' timer: HashedWheelTimer, with the watchdogs' reconnect timeouts tracked. */
  private final class SwitchAwareTimer implements Timer {
    FastReconnect owner() {
      return FastReconnect.this;
    }

    @Override
    public Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
      if (!task.getClass().getName().startsWith(WATCHDOG)) {
        return wheel.newTimeout(task, delay, unit); // command timeouts and everything else
      }
      Pending p = new Pending(task);
      pending.add(p);
      p.scheduled = wheel.newTimeout(p, delay, unit);
      return p;
    }

    @Override
    public Set<Timeout> stop() {
      pending.clear();
      return wheel.stop();
    }
  }
}
