/**
 * A 64-bit, non-cryptographic fingerprint of key bytes (two FNV-1a-32 lanes with different
 * offsets), as 16 hex digits. It tells keys apart so a ciphertext made under another key is
 * refused with a clear error; it is not an integrity check against an attacker.
 */
export function fingerprint(bytes: Uint8Array): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < bytes.length; i++) {
    const x = bytes[i] as number;
    a = Math.imul(a ^ x, 0x01000193) >>> 0;
    b = Math.imul(b ^ x ^ (i & 0xff), 0x01000193) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** The 8 bytes of a 16-hex-digit fingerprint. */
export function fingerprintBytes(hex: string): Uint8Array {
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The fingerprint spelled by 8 bytes. */
export function fingerprintHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < 8; i++) s += (bytes[i] as number).toString(16).padStart(2, '0');
  return s;
}
