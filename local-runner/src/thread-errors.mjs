// Errors across a thread boundary. Structured cloning keeps an Error's message but not the
// properties the runner reads (code: which resource ran out; stderr: what the guest wrote
// before it trapped), nor RangeError as the sign of memory exhaustion: so they travel as data.
const KINDS = { RangeError, TypeError, RuntimeError: WebAssembly.RuntimeError };

export function errorToMessage(error) {
  return {
    name: error?.name ?? 'Error',
    message: String(error?.message ?? error),
    code: error?.code,
    stderr: error?.stderr,
  };
}

export function errorFromMessage({ name, message, code, stderr }) {
  const error = new (KINDS[name] ?? Error)(message);
  if (code !== undefined) error.code = code;
  if (stderr !== undefined) error.stderr = stderr;
  return error;
}
