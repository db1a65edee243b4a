// One partner postback sent: a GET, redirects not followed, one deadline for all of it.
const USER_AGENT = 'edgepost-worker/0.1 (partner postback)';

// -> { ok, status?, error? }; never throws.
export async function deliver(urlText, timeoutMs) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(urlText, {
      redirect: 'manual',
      signal: controller.signal,
      headers: { 'user-agent': USER_AGENT, accept: '*/*' },
    });
    await response.body?.cancel();
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
    return { ok: false, status: response.status, error: `HTTP ${response.status}` };
  } catch (error) {
    if (controller.signal.aborted) return { ok: false, error: `no complete answer within ${timeoutMs} ms` };
    return { ok: false, error: String(error?.message ?? error) };
  } finally {
    clearTimeout(timer);
  }
}
