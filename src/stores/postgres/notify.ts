import { StoreError } from '../../domain/errors.js';
import { checkout, driverError } from './driver.js';
import type { PgNotificationLike, PgPoolClientLike, PgPoolLike } from './types.js';

// LISTEN/NOTIFY wake-ups. Commits NOTIFY the store's channel when they add timers or outbox
// messages; `onWake` listeners hear it on one dedicated connection. Polling stays the source of
// truth: a lost notification only delays work until the next poll.

/**
 * Called when another process (or this one) committed timers or messages: `at` is the earliest
 * instant at which they become claimable (ms), or `null` when unknown (e.g. the LISTEN connection
 * was lost, so something may have been missed: poll now).
 */
export type WakeListener = (at: number | null) => void;

/** Stops a wake-up subscription; the last one releases the LISTEN connection. */
export type Unsubscribe = () => Promise<void>;

export interface WakeHub {
  /**
   * Adds a subscription and resolves once listening. If listening cannot start, it rejects and
   * nothing stays subscribed: the caller tries again. Each call is its own subscription, even
   * for a listener already subscribed; its unsubscribe ends only that one.
   */
  subscribe(listener: WakeListener): Promise<Unsubscribe>;
  /** Re-establishes a lost LISTEN connection while anyone listens; errors wait for the next call. */
  revive(): void;
  close(): Promise<void>;
}

export function wakeHub(pool: PgPoolLike, channel: string): WakeHub {
  // One entry per subscription, not per listener: the same function subscribed twice is two.
  const subscriptions = new Set<{ listener: WakeListener }>();
  let client: PgPoolClientLike | null = null;
  let connecting: Promise<void> | null = null;
  let closed = false;

  const emit = (at: number | null) => {
    for (const { listener } of [...subscriptions]) {
      try {
        listener(at);
      } catch {
        // A listener's failure must not reach the driver's event emitter (it would crash the process).
      }
    }
  };
  const onNotification = (message: PgNotificationLike) => {
    if (message.channel !== channel) return;
    const at = message.payload ? Number(message.payload) : Number.NaN;
    emit(Number.isFinite(at) ? at : null);
  };
  const onError = (error: Error) => {
    drop(error);
    emit(null);
  };

  function detach(c: PgPoolClientLike): void {
    c.removeListener?.('notification', onNotification);
    c.removeListener?.('error', onError);
  }

  /** Discards the LISTEN connection (never back to the pool while it listens). */
  function drop(error?: Error): void {
    const c = client;
    client = null;
    if (c === null) return;
    detach(c);
    c.release(error ?? true);
  }

  async function connect(): Promise<void> {
    const c = await checkout(pool);
    if (typeof c.on !== 'function') {
      c.release();
      throw new StoreError('onWake() needs pool clients with on() and removeListener(), like pg.PoolClient');
    }
    c.on('notification', onNotification);
    c.on('error', onError);
    try {
      await c.query({ text: `LISTEN "${channel}"` });
    } catch (error) {
      detach(c);
      c.release(error instanceof Error ? error : true);
      throw driverError(`LISTEN "${channel}"`, error);
    }
    if (closed || subscriptions.size === 0) {
      detach(c);
      c.release(true);
      return;
    }
    client = c;
  }

  function ensure(): Promise<void> {
    if (client !== null) return Promise.resolve();
    connecting ??= connect().finally(() => {
      connecting = null;
    });
    return connecting;
  }

  return {
    async subscribe(listener) {
      const closedError = () => new StoreError('The store is closed: onWake() is no longer available');
      if (closed) throw closedError();
      const subscription = { listener };
      subscriptions.add(subscription);
      const end = () => {
        subscriptions.delete(subscription);
        if (subscriptions.size === 0) drop();
      };
      try {
        await ensure();
      } catch (error) {
        end();
        throw error;
      }
      if (closed) throw closedError();
      let done = false;
      return async () => {
        if (done) return;
        done = true;
        end();
      };
    },
    revive() {
      if (closed || subscriptions.size === 0 || client !== null || connecting !== null) return;
      ensure().catch(() => {});
    },
    async close() {
      closed = true;
      subscriptions.clear();
      await connecting?.catch(() => {});
      drop();
    },
  };
}
