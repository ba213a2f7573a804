/**
 * Time, injected. Everything on the embedded target that reads or waits on time goes through a `Clock`, so that a
 * 10-second Wait state costs no wall time under the {@link VirtualClock} yet shows as 10 s in histories and reports.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, as the clock sees it. */
  now(): number;
  /**
   * Resolves once `ms` milliseconds have passed on this clock. An aborted `signal` cancels the timer (so a virtual
   * clock never jumps to it) and rejects with the signal's reason.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Marks `work` as in flight: a virtual clock does not advance while any held work is pending (e.g. an HTTP call to
   * an emulated service), so that time only moves when everything is waiting on the clock itself.
   */
  hold<T>(work: Promise<T>): Promise<T>;
}

/** Wall-clock time; for interactive use and the Docker targets. */
export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(
        () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
  hold<T>(work: Promise<T>): Promise<T> {
    return work;
  }
}

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

/**
 * A discrete-event clock. `sleep` registers a timer; when nothing held is pending and the event loop has drained
 * (checked with `setImmediate`), the clock jumps to the earliest timer and fires it (and every timer due at the same
 * instant, in registration order). Deterministic for deterministic callers.
 */
export class VirtualClock implements Clock {
  private current: number;
  private timers: Timer[] = [];
  private seq = 0;
  private held = 0;
  private scheduled = false;

  /** @param start epoch milliseconds the clock starts at (default: the wall clock at construction). */
  constructor(start: number = Date.now()) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const at = this.current + Math.max(0, ms);
      const onAbort = () => {
        const i = this.timers.indexOf(timer);
        if (i >= 0) this.timers.splice(i, 1);
        reject(signal!.reason);
      };
      const timer: Timer = {
        at,
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      this.timers.push(timer);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.schedule();
    });
  }

  hold<T>(work: Promise<T>): Promise<T> {
    this.held++;
    const release = () => {
      this.held--;
      this.schedule();
    };
    return work.then(
      (value) => {
        release();
        return value;
      },
      (error: unknown) => {
        release();
        throw error;
      },
    );
  }

  /** Moves the clock forward by `ms`, firing every timer that falls due on the way (control plane: advance). */
  advance(ms: number): void {
    const target = this.current + Math.max(0, ms);
    for (;;) {
      const next = this.earliest();
      if (!next || next.at > target) break;
      this.fire(next);
    }
    this.current = target;
  }

  /** Number of timers waiting on this clock. */
  pendingTimers(): number {
    return this.timers.length;
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    return best;
  }

  private fire(timer: Timer): void {
    this.timers.splice(this.timers.indexOf(timer), 1);
    if (timer.at > this.current) this.current = timer.at;
    timer.resolve();
  }

  private schedule(): void {
    if (this.scheduled || this.timers.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.held > 0 || this.timers.length === 0) return;
      const next = this.earliest();
      if (!next) return;
      // Fire every timer due at that same instant, in order, then let the loop drain again.
      const due = this.timers.filter((t) => t.at === next.at).sort((a, b) => a.seq - b.seq);
      for (const t of due) this.fire(t);
      this.schedule();
    });
  }
}
