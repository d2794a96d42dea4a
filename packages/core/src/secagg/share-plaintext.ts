/** Bytes of one Shamir share of a 32-byte secret (the secret's length plus the x-coordinate). */
export const SHARE_BYTES = 33;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** u ‖ v ‖ b_{u,v} ‖ s^SK_{u,v}: each id as a 2-byte little-endian length and its UTF-8 bytes. */
export function encodeSharePlaintext(from: string, to: string, b: Uint8Array, s: Uint8Array): Uint8Array {
  const f = encoder.encode(from);
  const t = encoder.encode(to);
  const out = new Uint8Array(4 + f.length + t.length + 2 * SHARE_BYTES);
  let o = 0;
  for (const id of [f, t]) {
    out[o++] = id.length & 255;
    out[o++] = id.length >>> 8;
    out.set(id, o);
    o += id.length;
  }
  out.set(b, o);
  out.set(s, o + SHARE_BYTES);
  return out;
}

/** Inverse of `encodeSharePlaintext`; undefined when malformed. */
export function decodeSharePlaintext(
  pt: Uint8Array,
): { from: string; to: string; b: Uint8Array; s: Uint8Array } | undefined {
  try {
    let o = 0;
    const ids: string[] = [];
    for (let k = 0; k < 2; k++) {
      if (o + 2 > pt.length) return undefined;
      const len = pt[o]! | (pt[o + 1]! << 8);
      o += 2;
      if (o + len > pt.length) return undefined;
      ids.push(decoder.decode(pt.subarray(o, o + len)));
      o += len;
    }
    if (pt.length !== o + 2 * SHARE_BYTES) return undefined;
    return {
      from: ids[0]!,
      to: ids[1]!,
      b: pt.slice(o, o + SHARE_BYTES),
      s: pt.slice(o + SHARE_BYTES, o + 2 * SHARE_BYTES),
    };
  } catch {
    return undefined;
  }
}
