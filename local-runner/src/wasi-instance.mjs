// Runs one WASI preview1 command instance on node:wasi and gives back everything it held.
//
// node:wasi (uvwasi) never closes the descriptors in its table: not the preopened directories
// it opens for every instance, not the files a guest leaves open when it traps. Left to it, a
// runner leaks one descriptor per request and fails every request once the process's limit is
// reached. So the host owns them here: it tracks every descriptor the guest opens and, when the
// run ends (exit, trap or error), closes the preopens and whatever is still open.
//
// Standard input, output and error never touch the file system: node:wasi accepts only real
// descriptors for them, so it is handed one /dev/null descriptor opened once for the process,
// and fd_read on 0 and fd_write on 1 and 2 are served from and into memory instead. The guest
// cannot close or renumber them (that would close the shared descriptor).

import fs from 'node:fs';
import process from 'node:process';
import { giveBackMemory, takeMemory } from './wasi-memory-pool.mjs';
import { hostMemoryImport } from './wasm-memory-import.mjs';

// node:wasi announces itself as experimental when it loads; the runner's output is for people.
// A static import would load it before this filter exists.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  if (String(warning?.message ?? warning).startsWith('WASI is an experimental feature')) return;
  emitWarning(warning, ...rest);
};
const { WASI } = await import('node:wasi');

export const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

// WASI preview1 errno values (wasi_snapshot_preview1 witx).
const ERRNO_SUCCESS = 0;
const ERRNO_FBIG = 22;
const ERRNO_MFILE = 33;
const ERRNO_NFILE = 41;
const ERRNO_NOTSUP = 58;
const STDIO_FDS = 3;  // 0, 1, 2; uvwasi numbers the preopens from 3 in the order given

let nullDescriptor = null;
const sharedNullDescriptor = () => (nullDescriptor ??= fs.openSync('/dev/null', 'r+'));

// Output of fds 1 and 2, capped at MAX_OUTPUT_BYTES together.
class CapturedOutput {
  chunks = [[], [], []];
  total = 0;
  overflowed = false;

  append(fd, bytes) {
    if (this.total + bytes.length > MAX_OUTPUT_BYTES) {
      this.overflowed = true;
      return false;
    }
    this.total += bytes.length;
    this.chunks[fd].push(Buffer.from(bytes));
    return true;
  }

  bytes(fd) {
    return Buffer.concat(this.chunks[fd]);
  }
}

// The imports the guest sees: node:wasi's, with stdio in memory and descriptor ownership
// tracked. `memory()` gives the instance's memory once it exists. `refused` counts the opens
// refused because the process is out of descriptors: the guest answers for itself (a 503), but
// the host must know too.
function ownedImports(wasiImport, { stdin, output, opened, refused, memory }) {
  let stdinOffset = 0;
  const iovecs = (view, pointer, count) => Array.from({ length: count }, (_, i) => ({
    buffer: view.getUint32(pointer + i * 8, true),
    length: view.getUint32(pointer + i * 8 + 4, true),
  }));
  return {
    ...wasiImport,
    fd_read(fd, iovs, iovsLength, readPointer) {
      if (fd !== 0) return wasiImport.fd_read(fd, iovs, iovsLength, readPointer);
      const view = new DataView(memory().buffer);
      let read = 0;
      for (const { buffer, length } of iovecs(view, iovs, iovsLength)) {
        const n = Math.min(length, stdin.length - stdinOffset);
        new Uint8Array(memory().buffer, buffer, n).set(stdin.subarray(stdinOffset, stdinOffset + n));
        stdinOffset += n;
        read += n;
        if (n < length) break;
      }
      view.setUint32(readPointer, read, true);
      return ERRNO_SUCCESS;
    },
    fd_write(fd, iovs, iovsLength, writtenPointer) {
      if (fd !== 1 && fd !== 2) return wasiImport.fd_write(fd, iovs, iovsLength, writtenPointer);
      const view = new DataView(memory().buffer);
      let written = 0;
      for (const { buffer, length } of iovecs(view, iovs, iovsLength)) {
        if (!output.append(fd, new Uint8Array(memory().buffer, buffer, length))) return ERRNO_FBIG;
        written += length;
      }
      view.setUint32(writtenPointer, written, true);
      return ERRNO_SUCCESS;
    },
    fd_close(fd) {
      if (fd < STDIO_FDS) return ERRNO_SUCCESS;
      const result = wasiImport.fd_close(fd);
      if (result === ERRNO_SUCCESS) opened.delete(fd);
      return result;
    },
    fd_renumber(from, to) {
      if (from < STDIO_FDS || to < STDIO_FDS) return ERRNO_NOTSUP;
      const result = wasiImport.fd_renumber(from, to);
      if (result === ERRNO_SUCCESS) {
        opened.delete(from);
        opened.add(to);
      }
      return result;
    },
    path_open(...args) {
      const result = wasiImport.path_open(...args);
      if (result === ERRNO_SUCCESS) opened.add(new DataView(memory().buffer).getUint32(args[8], true));
      else if (result === ERRNO_MFILE || result === ERRNO_NFILE) refused.push(result === ERRNO_MFILE ? 'EMFILE' : 'ENFILE');
      return result;
    },
  };
}

// Modules compiled through wasm-memory-import.mjs ask for their memory; it comes from the pool.
const memoryImports = new WeakMap();  // WebAssembly.Module -> hostMemoryImport(module)
function memoryImportOf(module) {
  if (!memoryImports.has(module)) memoryImports.set(module, hostMemoryImport(module));
  return memoryImports.get(module);
}

// A fresh instance of `module` runs to completion with the given arguments, environment,
// preopened directories ({ '/kv': hostDir }) and stdin bytes.
// Returns { exitCode, stdout: Buffer, stderr: string, exhausted }, exhausted being null or an
// error whose code (EMFILE, ENFILE) says why a file the guest asked for was not opened. A trap
// (or any other failure to run) throws; the error carries what the module had written to
// stderr as `error.stderr`.
// Whatever happens, every descriptor the run opened is closed before this returns.
export async function runWasi(module, { args = ['function'], env = {}, preopens = {}, stdin = '' } = {}) {
  const stdio = sharedNullDescriptor();
  const wasi = new WASI({ version: 'preview1', args, env, preopens, stdin: stdio, stdout: stdio, stderr: stdio, returnOnExit: true });
  const opened = new Set(Object.keys(preopens).map((_, i) => STDIO_FDS + i));
  const output = new CapturedOutput();
  const refused = [];
  let instance = null;
  const memoryImport = memoryImportOf(module);
  const memory = memoryImport && takeMemory(memoryImport.type);
  const imports = ownedImports(wasi.wasiImport, {
    stdin: Buffer.from(stdin),
    output,
    opened,
    refused,
    memory: () => instance.exports.memory,
  });
  try {
    const hostImports = memory ? { [memoryImport.module]: { [memoryImport.name]: memory } } : {};
    instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: imports, ...hostImports });
    let exitCode;
    try {
      exitCode = wasi.start(instance) ?? 0;
    } catch (error) {
      error.stderr = output.bytes(2).toString('utf8');
      throw error;
    }
    if (output.overflowed) {
      const error = new Error(`more than ${MAX_OUTPUT_BYTES} bytes of output`);
      error.stderr = output.bytes(2).toString('utf8');
      throw error;
    }
    const exhausted = refused.length === 0 ? null
      : Object.assign(new Error(`${refused.length} file(s) the function asked for could not be opened: ${refused[0]}`), { code: refused[0] });
    return { exitCode, stdout: output.bytes(1), stderr: output.bytes(2).toString('utf8'), exhausted };
  } finally {
    for (const fd of opened) closeDescriptor(wasi, fd);
    if (memory) giveBackMemory(memoryImport.type, memory);
  }
}

// (module (memory (export "memory") 0) (func (export "_start")))
const EMPTY_COMMAND = new WebAssembly.Module(Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02,
  0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x00, 0x07, 0x13, 0x02, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72,
  0x79, 0x02, 0x00, 0x06, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0x00, 0x00, 0x0a, 0x04, 0x01, 0x02,
  0x00, 0x0b,
]));

// node:wasi serves fd_close only once start() has bound an instance's memory. When the run
// never got that far (instantiation failed), an empty command is started to bind one.
function closeDescriptor(wasi, fd) {
  try {
    wasi.wasiImport.fd_close(fd);
  } catch {
    wasi.start(new WebAssembly.Instance(EMPTY_COMMAND, {}));
    wasi.wasiImport.fd_close(fd);
  }
}
