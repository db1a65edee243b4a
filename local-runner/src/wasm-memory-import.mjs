// Rewrites a module's own linear memory into an imported one, so that the host can hand each
// new instance a memory it already has instead of a new one.
//
// Why: a new memory is mapped afresh, and every page an instance touches (its data segments,
// its stack, its heap) is then faulted in and zeroed by the kernel, one by one. On the 2-core VM
// the runner was measured on, a page fault cost about 16 us and a click touches some 30 pages:
// instantiating click.wasm took 0.30 ms with a memory of its own and 0.08 ms with a reused one,
// and a whole click on one thread 1.1 ms against 0.45 ms. A memory reused by the host has its
// pages resident already; the host zeroes it before each instance (wasi-memory-pool.mjs), and
// instantiation writes the data segments into it, so each instance starts from exactly the
// state a memory of its own would have: same size, zeros, data. The module's code is not
// touched, only where its memory comes from.

const MEMORY_IMPORT_MODULE = 'edgepost:host';
const MEMORY_IMPORT_NAME = 'memory';  // followed by the limits, e.g. "memory 18" or "memory 18 256"

const SECTION_IMPORT = 2;
const SECTION_MEMORY = 5;
const IMPORT_KIND_MEMORY = 0x02;
const LIMITS_MIN = 0x00;
const LIMITS_MIN_MAX = 0x01;
const HEADER_BYTES = 8;  // "\0asm" and the version

function readU32(bytes, offset) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[offset++];
    if (byte === undefined) throw new Error('truncated LEB128');
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return { value, next: offset };
  }
}

function u32(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function* sections(bytes) {
  let offset = HEADER_BYTES;
  while (offset < bytes.length) {
    const id = bytes[offset];
    const size = readU32(bytes, offset + 1);
    const end = size.next + size.value;
    yield { id, start: offset, contents: size.next, end };
    offset = end;
  }
}

// The limits of the module's one memory of its own, or null when it has none that this can
// move (none, several, shared or 64-bit).
function ownMemoryLimits(bytes, memory) {
  const count = readU32(bytes, memory.contents);
  if (count.value !== 1) return null;
  const flags = bytes[count.next];
  if (flags !== LIMITS_MIN && flags !== LIMITS_MIN_MAX) return null;
  const initial = readU32(bytes, count.next + 1);
  const maximum = flags === LIMITS_MIN_MAX ? readU32(bytes, initial.next) : null;
  return { initial: initial.value, maximum: maximum?.value, start: count.next, end: (maximum ?? initial).next };
}

const nameBytes = (text) => {
  const encoded = Buffer.from(text, 'utf8');
  return [...u32(encoded.length), ...encoded];
};

// -> { bytes, memory: { initial, maximum? } } with the memory imported, or { bytes, memory: null }
// unchanged when the module has no memory of its own that can be imported instead.
export function importOwnMemory(bytes) {
  const all = [...sections(bytes)];
  const imports = all.find((s) => s.id === SECTION_IMPORT);
  const memory = all.find((s) => s.id === SECTION_MEMORY);
  const limits = memory && imports ? ownMemoryLimits(bytes, memory) : null;
  if (!limits || limits.end !== memory.end) return { bytes, memory: null };

  const count = readU32(bytes, imports.contents);
  const entry = [
    ...nameBytes(MEMORY_IMPORT_MODULE),
    ...nameBytes(memoryImportName(limits)),
    IMPORT_KIND_MEMORY,
    ...bytes.subarray(limits.start, limits.end),  // the limits as the module wrote them
  ];
  const contents = [...u32(count.value + 1), ...bytes.subarray(count.next, imports.end), ...entry];
  const rewritten = Buffer.concat([
    bytes.subarray(0, imports.start),
    Uint8Array.from([SECTION_IMPORT, ...u32(contents.length), ...contents]),
    bytes.subarray(imports.end, memory.start),
    bytes.subarray(memory.end),
  ]);
  const type = limits.maximum === undefined ? { initial: limits.initial } : { initial: limits.initial, maximum: limits.maximum };
  return { bytes: rewritten, memory: type };
}

function memoryImportName({ initial, maximum }) {
  return maximum === undefined ? `${MEMORY_IMPORT_NAME} ${initial}` : `${MEMORY_IMPORT_NAME} ${initial} ${maximum}`;
}

// What a module rewritten by importOwnMemory asks the host for: { module, name, type } of its
// memory import (the type read back from the import's name: a compiled module tells its
// imports' names, not their types), or null when it asks for none.
export function hostMemoryImport(module) {
  const entry = WebAssembly.Module.imports(module).find((i) => i.module === MEMORY_IMPORT_MODULE && i.kind === 'memory');
  const [name, initial, maximum] = entry?.name.split(' ') ?? [];
  if (name !== MEMORY_IMPORT_NAME) return null;
  const type = maximum === undefined ? { initial: Number(initial) } : { initial: Number(initial), maximum: Number(maximum) };
  return { module: MEMORY_IMPORT_MODULE, name: entry.name, type };
}
