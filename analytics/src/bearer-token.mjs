// The admin APIs' bearer token, by the library's rule (lib/include/edgepost/admin_auth.hpp):
// "Authorization: Bearer <token>", the scheme in any case; a configured token shorter than 16
// bytes turns the APIs off; compared as SHA-256 digests, so that the comparison takes as long
// whatever the presented token's length or content. Web Crypto, which Node and workerd have.

const MIN_TOKEN_BYTES = 16;
const encoder = new TextEncoder();

// authorization: the request's Authorization header (or null/undefined); token: the configured one.
export async function bearerTokenMatches(authorization, token) {
  if (typeof token !== 'string' || encoder.encode(token).length < MIN_TOKEN_BYTES) return false;
  if (typeof authorization !== 'string' || authorization.slice(0, 7).toLowerCase() !== 'bearer ') return false;
  const [a, b] = await Promise.all([authorization.slice(7), token].map((text) => crypto.subtle.digest('SHA-256', encoder.encode(text))));
  const left = new Uint8Array(a);
  const right = new Uint8Array(b);
  let difference = 0;
  for (let i = 0; i < left.length; i += 1) difference |= left[i] ^ right[i];
  return difference === 0;
}
