// Linear memories kept for the next instance, one pool per thread (each thread has its own
// copy of this module). See wasm-memory-import.mjs for why.
//
// A memory goes to one instance at a time: it is taken for a run and given back when the run
// is over, so runs that overlap (on the main thread, between their awaits) never share one.
// It is zeroed when taken, so nothing of one run reaches the next, whatever that run did. One
// that the guest grew is not given back: the next instance must see the size it declared.

const KEEP_PER_TYPE = 4;  // more than a thread ever has under way at once
const free = new Map();  // "initial maximum" -> [WebAssembly.Memory]

const keyOf = ({ initial, maximum }) => `${initial} ${maximum ?? ''}`;

export function takeMemory(type) {
  const memory = free.get(keyOf(type))?.pop();
  if (!memory) return new WebAssembly.Memory(type);
  new Uint8Array(memory.buffer).fill(0);
  return memory;
}

export function giveBackMemory(type, memory) {
  if (memory.buffer.byteLength !== type.initial * 65536) return;
  const key = keyOf(type);
  const kept = free.get(key) ?? [];
  if (kept.length >= KEEP_PER_TYPE) return;
  kept.push(memory);
  free.set(key, kept);
}
