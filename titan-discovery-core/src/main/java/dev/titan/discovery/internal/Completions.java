package dev.titan.discovery.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Where the futures handed to users complete: never on a Redis I/O thread, so that a caller's
 * callback that blocks (say, {@code join()}s another lookup) cannot stall the event loop that must
 * decode that lookup's reply, nor the heartbeats that share it. By default a cached pool of the
 * service's own daemon threads (created on demand, gone after 30 s idle, shut down with the
 * service), or the caller's executor (never shut down by the library).
 */
public final class Completions implements Executor {

  private static final AtomicInteger COUNT = new AtomicInteger();

  private final Executor executor;
  private final @Nullable ExecutorService owned;

  /**
   * Uses the caller's executor, or a pool of our own.
   *
   * @param given the caller's executor, or null
   */
  public Completions(@Nullable Executor given) {
    if (given != null) {
      this.executor = given;
      this.owned = null;
    } else {
      int n = COUNT.incrementAndGet();
      AtomicInteger threads = new AtomicInteger();
      ThreadPoolExecutor pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
        Thread t = new Thread(r, "titan-discovery-callbacks-" + n + "-" + threads.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
      this.executor = pool;
      this.owned = pool;
    }
  }

  /**
   * Runs a task on the completion executor; after {@link #close()} (or when the caller's executor
   * refuses it) on the common pool, never on the calling thread.
   *
   * @param task the task
   */
  @Override
  public void execute(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      ForkJoinPool.commonPool().execute(task);
    }
  }

  /**
   * A future that completes like {@code f}, but on this executor. A future already complete is
   * returned as it is (callbacks then run on the caller's thread).
   *
   * @param f the future, completed by whatever thread
   * @param <T> the value type
   * @return the relayed future
   */
  public <T> CompletableFuture<T> relay(CompletableFuture<T> f) {
    if (f.isDone()) {
      return f;
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    f.whenComplete((v, e) -> execute(() -> {
      if (e != null) {
        out.completeExceptionally(e);
      } else {
        out.complete(v);
      }
    }));
    return out;
  }

  /** Shuts our own pool down once the tasks given to it have run; a caller's executor is left alone. */
  public void close() {
    if (owned != null) {
      owned.shutdown();
    }
  }
}
