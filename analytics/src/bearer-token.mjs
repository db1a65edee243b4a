// The admin API's bearer token, compared in constant time: both sides are hashed first, so the
// comparison takes as long whatever the presented token's length or content. Web Crypto, which
// Node and workerd both have.

const encoder = new TextEncoder();

// authorization: the request's Authorization header (or undefined); token: the configured one.
// -> true only for "Bearer <token>" with a non-empty configured token.
export async function bearerTokenMatches(authorization, token) {
  if (!token) return false;
  const presented = typeof authorization === 'string' && authorization.startsWith('Bearer ') ? authorization.slice(7) : '';
  const [a, b] = await Promise.all([presented, token].map((text) => crypto.subtle.digest('SHA-256', encoder.encode(text))));
  const left = new Uint8Array(a);
  const right = new Uint8Array(b);
  let difference = 0;
  for (let i = 0; i < left.length; i += 1) difference |= left[i] ^ right[i];
  return difference === 0 && presented !== '';
}
