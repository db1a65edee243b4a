// Request targets as the access log writes them: credentials never reach a log.

// Query parameters whose values are credentials: never written to the access log.
const SECRET_PARAMS = new Set(['security_token', 'signature']);

// "/postback?transaction_id=x&security_token=abc" -> "/postback?transaction_id=x&security_token=REDACTED"
export function redactTarget(target) {
  const question = target.indexOf('?');
  if (question < 0) return target;
  const parts = target.slice(question + 1).split('&').map((part) => {
    const equals = part.indexOf('=');
    const rawName = equals < 0 ? part : part.slice(0, equals);
    let name = rawName;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch { /* keep the raw name */ }
    return SECRET_PARAMS.has(name.toLowerCase()) && equals >= 0 ? `${rawName}=REDACTED` : part;
  });
  return `${target.slice(0, question)}?${parts.join('&')}`;
}

// The target as logged: redacted, and cut short when it is over the limit (a 414).
export function logTarget(target, maxTargetBytes) {
  const redacted = redactTarget(target ?? '');
  return redacted.length > 300 && Buffer.byteLength(target) > maxTargetBytes
    ? `${redacted.slice(0, 200)}...(${Buffer.byteLength(target)} bytes)`
    : redacted;
}
