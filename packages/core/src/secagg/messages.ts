/**
 * The SecAgg messages (Bonawitz et al. 2017, Fig. 4), as plain serialisable data: string ids,
 * Uint8Array keys/ciphertexts/shares and the Uint32Array masked input. A client message names
 * its sender (`from`), a server message its recipient (`to`).
 */

/** Round 0 (AdvertiseKeys), client → server: the public keys c_u^PK (share encryption) and s_u^PK (masks). */
export interface AdvertiseKeysMessage {
  readonly from: string;
  readonly cPk: Uint8Array;
  readonly sPk: Uint8Array;
}

/** A client's advertised public keys, as the server forwards them. */
export interface PublicKeys {
  readonly id: string;
  readonly cPk: Uint8Array;
  readonly sPk: Uint8Array;
}

/** Round 0 → 1, server → client: the keys of its closed neighbourhood N̄(u) ∩ U_1 (itself included). */
export interface KeyListMessage {
  readonly to: string;
  readonly keys: readonly PublicKeys[];
}

/** Round 1 (ShareKeys), client → server: e_{u,v} = AES-GCM(u ‖ v ‖ b_{u,v} ‖ s^SK_{u,v}) for each v ∈ N̄(u). */
export interface ShareKeysMessage {
  readonly from: string;
  readonly ciphertexts: readonly { readonly to: string; readonly ciphertext: Uint8Array }[];
}

/** Round 1 → 2, server → client v: the ciphertexts addressed to v by the clients u ∈ U_2 (itself included). */
export interface ForwardedSharesMessage {
  readonly to: string;
  readonly ciphertexts: readonly { readonly from: string; readonly ciphertext: Uint8Array }[];
}

/** Round 2 (MaskedInputCollection), client → server: y_u = x_u + PRG(b_u) + Σ_v ±PRG(s_{u,v}) mod 2^k. */
export interface MaskedInputMessage {
  readonly from: string;
  readonly y: Uint32Array;
}

/**
 * Round 2 → 3, server → client v: which of the clients whose shares v holds sent y (survivors:
 * reveal b shares) and which did not (dropped: reveal s^SK shares). Disjoint, by construction.
 */
export interface UnmaskRequestMessage {
  readonly to: string;
  readonly survivors: readonly string[];
  readonly dropped: readonly string[];
}

/** One Shamir share of client `of`'s secret (the share's x-coordinate is its last byte). */
export interface ShareOf {
  readonly of: string;
  readonly share: Uint8Array;
}

/** Round 3 (Unmasking), client → server: b_u shares of survivors, s_u^SK shares of dropped clients. */
export interface UnmaskResponseMessage {
  readonly from: string;
  readonly bShares: readonly ShareOf[];
  readonly sShares: readonly ShareOf[];
}

export type SecAggMessage =
  | AdvertiseKeysMessage
  | KeyListMessage
  | ShareKeysMessage
  | ForwardedSharesMessage
  | MaskedInputMessage
  | UnmaskRequestMessage
  | UnmaskResponseMessage;

const encoder = new TextEncoder();

/**
 * The payload size of a message: the bytes of every key, ciphertext, share and ring vector
 * plus each id's UTF-8 length, with 4 bytes of framing per field and list entry (about what
 * a compact binary encoding such as protobuf carries).
 */
export function secAggMessageBytes(msg: SecAggMessage): number {
  let n = 0;
  const visit = (v: unknown): void => {
    if (typeof v === 'string') n += 4 + encoder.encode(v).length;
    else if (ArrayBuffer.isView(v)) n += 4 + v.byteLength;
    else if (Array.isArray(v)) {
      n += 4;
      for (const x of v) visit(x);
    } else if (v && typeof v === 'object') for (const x of Object.values(v)) visit(x);
  };
  visit(msg);
  return n;
}
