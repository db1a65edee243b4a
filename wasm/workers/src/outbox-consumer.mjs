// Partner postbacks on Workers: the Queue consumer delivers the outbox entries the library's
// exchange wrote in the ledger ("outbox/<id>", lib/outbox_entry.hpp), with retries, and
// dead-letters after max_retries (wrangler.toml).
//
// The entry is the truth and a Queue message only a wake-up: the message names the entry,
// the consumer takes a lease on it (an atomic step in its Durable Object), sends, and writes
// the entry's new state: pending (retried later), delivered or dead, the same states as the
// runner's. A message for an entry that is delivered, dead or leased by another delivery is
// acknowledged and dropped, so a second wake-up (a replay completing a stopped attempt, the
// Queue's at-least-once redelivery) never sends twice.
// Copied into the bundle from analytics/src by CMake (wasm/workers/CMakeLists.txt).
import { deliveryEvent } from './analytics/delivery-event.mjs';
import { claims } from './claims.mjs';
import { sendEvent } from './event-sink.mjs';
import { deliver } from './partner-delivery.mjs';
import { refusedTarget } from './partner-target.mjs';

// Longer than a delivery can take (its timeout), shorter than the first retry delay.
const LEASE_SECONDS = 20;

export function outboxKey(id) {
  return `outbox/${id}`;
}

const now = () => Math.floor(Date.now() / 1000);

function attemptEvent(env, entry, outcome, details) {
  return sendEvent(env, deliveryEvent(entry, outcome, { ...details, time: now() }));
}

function retryDelay(attempts, env) {
  const base = Number(env.RETRY_BASE_SECONDS ?? 30);
  return Math.min(base * 2 ** Math.max(0, attempts - 1), 12 * 3600);
}

async function settle(env, key, entry, state, extra) {
  const { lease_until: _lease, last_error: _error, status: _status, ...base } = entry;
  await claims.set(env.CLAIMS, key, JSON.stringify({ ...base, state, attempts: (entry.attempts ?? 0) + 1, ...extra }));
}

async function deliverOne(message, env, hostReason) {
  const key = outboxKey(message.body.id);
  const lease = await claims.lease(env.CLAIMS, key, LEASE_SECONDS);
  if (!lease.won) return message.ack();
  const entry = JSON.parse(lease.value);
  const refused = refusedTarget(entry.url, env, hostReason);
  if (refused) {
    // A target the policy refuses stays refused: no retry would change that.
    await settle(env, key, entry, 'dead', { last_error: refused });
    await attemptEvent(env, entry, 'dead', { attempts: (entry.attempts ?? 0) + 1, error: refused });
    return message.ack();
  }
  const result = await deliver(entry.url, Number(env.DELIVERY_TIMEOUT_MS ?? 5000));
  if (result.ok) {
    await settle(env, key, entry, 'delivered', { status: result.status, delivered_at: now() });
    await attemptEvent(env, entry, 'delivered', { attempts: (entry.attempts ?? 0) + 1, status: result.status });
    return message.ack();
  }
  await settle(env, key, entry, 'pending', { last_error: result.error, ...(result.status ? { status: result.status } : {}) });
  await attemptEvent(env, entry, 'failed', { attempts: (entry.attempts ?? 0) + 1, error: result.error, status: result.status });
  return message.retry({ delaySeconds: retryDelay(message.attempts, env) });
}

// After max_retries the platform moves a message to the dead-letter queue; its consumer
// marks a still pending entry dead, so operators see it in the ledger and can send it again.
async function buryOne(message, env) {
  const key = outboxKey(message.body.id);
  const stored = await claims.get(env.CLAIMS, key);
  const entry = stored ? JSON.parse(stored) : null;
  if (entry && (entry.state ?? 'pending') === 'pending') {
    const { lease_until: _lease, ...base } = entry;
    await claims.set(env.CLAIMS, key, JSON.stringify({ ...base, state: 'dead', last_error: entry.last_error ?? 'retries exhausted' }));
    await attemptEvent(env, entry, 'dead', { attempts: entry.attempts ?? 0, error: entry.last_error ?? 'retries exhausted' });
  }
  message.ack();
}

// hostReason(host): the library's verdict on a partner's host (see refusedTarget).
export async function consume(batch, env, hostReason) {
  const dead = batch.queue === env.DEAD_LETTER_QUEUE;
  for (const message of batch.messages) {
    try {
      await (dead ? buryOne(message, env) : deliverOne(message, env, hostReason));
    } catch (error) {
      await sendEvent(env, { type: 'error', time: now(), what: 'partner postback not processed', detail: String(error?.message ?? error) });
      message.retry({ delaySeconds: retryDelay(message.attempts, env) });
    }
  }
}
