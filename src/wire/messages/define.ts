/**
 * @module wire/messages/define
 * `msg()`: declares a Lightning message once (STYLE rule 3) as `type`, spec name, ordered field list
 * and tail, giving one codec for the payload (the bytes after the 2-byte type).
 *
 * Spec: BOLT #1 "Lightning Message Format" (https://github.com/lightning/bolts/blob/master/01-messaging.md#lightning-message-format).
 * Two kinds of tail:
 * - a declared TLV stream (`tlvs`), strict and lossless, for messages whose extension is a TLV stream;
 * - `'extra'`: raw trailing bytes, for signed gossip (channel_announcement, node_announcement,
 *   channel_update), whose signatures cover "any future fields appended to the end" that we must
 *   relay byte-identically even when they are not a TLV stream.
 * Does not: register messages (see `registry.ts`) or read the 2-byte type.
 */
import type { Codec, Field, StructOf } from '../codec.js';
import { struct } from '../codec.js';
import type { TlvRecordSpec, TlvStream, TlvValues } from '../tlv.js';

/** Flattens an intersection for readable hover types. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** A declared message: a payload codec plus its wire type and spec name. */
export interface MessageDef<N extends string, T extends { readonly name: N }> extends Codec<T> {
  /** The 2-byte message type. */
  readonly type: number;
  /** The spec's message name, e.g. `channel_update`; also the `name` discriminant of values. */
  readonly name: N;
  /** The field list, in wire order (for layout tests and tooling). */
  readonly fields: readonly Field[];
  /** The extension: a declared TLV stream, or `'extra'` for raw trailing bytes. */
  readonly tail: TlvStream<readonly TlvRecordSpec[]> | 'extra';
}

/** The value type of a declared message. */
export type MessageOf<D> = D extends MessageDef<string, infer T> ? T : never;

/** Declares a message whose extension is the TLV stream `tail`. */
export function msg<const N extends string, const F extends readonly Field[], const R extends readonly TlvRecordSpec[]>(
  type: number,
  name: N,
  fields: F,
  tail: TlvStream<R>,
): MessageDef<N, Simplify<{ name: N } & StructOf<F> & { tlvs: TlvValues<R> }>>;
/** Declares a message whose trailing bytes are kept raw in `extra` (signed gossip). */
export function msg<const N extends string, const F extends readonly Field[]>(
  type: number,
  name: N,
  fields: F,
  tail: 'extra',
): MessageDef<N, Simplify<{ name: N } & StructOf<F> & { extra: Uint8Array }>>;
export function msg(
  type: number,
  name: string,
  fields: readonly Field[],
  tail: TlvStream<readonly TlvRecordSpec[]> | 'extra',
): MessageDef<string, { name: string }> {
  const body = struct(fields);
  return {
    type,
    name,
    fields,
    tail,
    encode(w, v) {
      body.encode(w, v as never);
      const o = v as unknown as { tlvs?: TlvValues<readonly TlvRecordSpec[]>; extra?: Uint8Array };
      if (tail === 'extra') w.bytes(o.extra ?? new Uint8Array(0));
      else tail.encode(w, o.tlvs ?? {});
    },
    decode(r) {
      const fieldsValue = body.decode(r) as Record<string, unknown>;
      const rest = tail === 'extra' ? { extra: r.rest() } : { tlvs: tail.decode(r) };
      return { name, ...fieldsValue, ...rest };
    },
  };
}
