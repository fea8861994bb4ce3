/**
 * @module channel/machine/negotiate
 * Closing negotiation once both `shutdown`s are exchanged and no HTLC is left: legacy `closing_signed`
 * with `fee_range` (the funder opens, the fee converges by the BOLT 2 rule in `../closing.ts`), or, when
 * `option_simple_close` is negotiated, `closing_complete` / `closing_sig` (each side pays for its own
 * closing transaction; the state stays `negotiating` after broadcasting, since either side may RBF with a
 * new `closing_complete` until the funding spend confirms).
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#legacy-closing-negotiation-closing_signed,
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#closing-negotiation-closing_complete-and-closing_sig
 *
 * Does not: watch the closing transaction confirm (`../onchain/` and the backend do).
 */
import type { ClosingComplete, ClosingSig, ClosingSigned } from '../../wire/index.js';
import type { Commitments } from '../commitments/types.js';
import type { ClosingFrame, FeeProposal, SimpleClosingVariant } from '../closing.js';
import {
  closingFeeSat, closingWeight, decideClosingFee, closingDustThresholdSat, finalizeClosing, isOpReturn, isValidShutdownScript, legacyClosingTx, signClosing,
  simpleClosingAmounts, simpleClosingTx, verifyClosing,
} from '../closing.js';
import type { Transaction } from '../tx.js';
import { engineOf, forceClose, send, stay, warnAndDisconnect, warningMessage, withSecrets } from './common.js';
import type { ChannelAction, ChannelContext, ChannelState, LegacyNegotiation, ShutdownInfo, SimpleNegotiation, ChannelStepResult } from './types.js';
import { equal } from './validate.js';

type Negotiating = Extract<ChannelState, { kind: 'negotiating' }>;
type ReadyToNegotiate = Extract<ChannelState, { kind: 'shutdown' }> & { shutdown: ShutdownInfo & { remoteScript: Uint8Array } };

/** The funding outpoint and keys of a channel, for its closing transactions. */
export function frameOf(c: Commitments): ClosingFrame {
  return { fundingTxid: c.fundingTxid, fundingVout: c.fundingVout, fundingSat: c.params.fundingSat, localFundingPubkey: c.params.local.fundingPubkey, remoteFundingPubkey: c.params.remote.fundingPubkey };
}

/** Our proposal at the shutdown feerate: the funder's range is half to twice it; the non-funder (not paying) accepts up to the whole channel. */
function ourProposal(s: Negotiating | ReadyToNegotiate): FeeProposal {
  const c = s.commitments;
  const target = closingFeeSat(s.shutdown.feeratePerKw, closingWeight([s.shutdown.localScript, s.shutdown.remoteScript]));
  const funderSat = (c.params.weAreFunder ? c.localCommit.spec.toLocalMsat : c.localCommit.spec.toRemoteMsat) / 1000n;
  const cap = (x: bigint) => (x > funderSat ? funderSat : x);
  // BOLT #2: - if it is not the funder:
  //     - SHOULD set `max_fee_satoshis` to at least the `max_fee_satoshis` received
  //     - SHOULD set `min_fee_satoshis` to a fairly low value
  return c.params.weAreFunder ? { feeSat: cap(target), minFeeSat: cap(target / 2n), maxFeeSat: cap(target * 2n) } : { feeSat: cap(target), minFeeSat: 0n, maxFeeSat: funderSat };
}

/** The legacy closing tx at `feeSat` as we sign it (our dust limit). */
function ourLegacyTx(s: Negotiating, feeSat: bigint): Transaction | undefined {
  const c = s.commitments;
  return legacyClosingTx(frameOf(c), {
    localScript: s.shutdown.localScript, remoteScript: s.shutdown.remoteScript, localMsat: c.localCommit.spec.toLocalMsat, remoteMsat: c.localCommit.spec.toRemoteMsat,
    localIsFunder: c.params.weAreFunder, feeSat, dustLimitSat: c.params.local.dustLimitSat,
  });
}

function closingSigned(s: Negotiating, tx: Transaction, p: FeeProposal, ctx: ChannelContext): ClosingSigned {
  const signature = withSecrets(ctx, s.keyIndex, (sec) => signClosing(frameOf(s.commitments), tx, sec.fundingPrivkey, engineOf(ctx)));
  return { name: 'closing_signed', channelId: s.commitments.channelId, feeSatoshis: p.feeSat, signature, tlvs: { feeRange: { minFeeSatoshis: p.minFeeSat, maxFeeSatoshis: p.maxFeeSat } } };
}

/** Enter `negotiating`: the funder sends the first `closing_signed`; under option_simple_close both send `closing_complete`. */
export function startNegotiation(s: ReadyToNegotiate, ctx: ChannelContext): ChannelStepResult {
  const { kind: _k, shortChannelId: _scid, ...rest } = s;
  const negotiation: LegacyNegotiation | SimpleNegotiation = s.features.simpleClose ? { kind: 'simple' } : { kind: 'legacy' };
  const n: Negotiating = { ...rest, kind: 'negotiating', negotiation, closingTxs: [] };
  if (s.features.simpleClose) return sendClosingComplete(n, ctx);
  // BOLT #2: - after `shutdown` has been received, AND no HTLCs remain in either commitment transaction:
  //     - SHOULD send a `closing_signed` message.
  if (!s.commitments.params.weAreFunder || !s.connected) return stay(n);
  return proposeLegacy(n, ourProposal(n), ctx);
}

function proposeLegacy(s: Negotiating, p: FeeProposal, ctx: ChannelContext): ChannelStepResult {
  const tx = ourLegacyTx(s, p.feeSat);
  if (tx === undefined) return forceClose(s, { kind: 'protocolError', why: `no closing transaction at fee ${p.feeSat} sat` }, ctx, true);
  const m = closingSigned(s, tx, p, ctx);
  return { state: { ...s, negotiation: { ...(s.negotiation as LegacyNegotiation), lastSent: p } }, actions: [send(m)] };
}

/** Variants of the peer's legacy closing tx: its dust limit or ours, with or without its own output. */
function findSignedLegacyTx(s: Negotiating, m: ClosingSigned, ctx: ChannelContext): Transaction | undefined {
  const c = s.commitments;
  const f = frameOf(c);
  for (const dustLimitSat of [c.params.remote.dustLimitSat, c.params.local.dustLimitSat]) {
    for (const drop of [undefined, 'remote' as const]) {
      const tx = legacyClosingTx(f, {
        localScript: s.shutdown.localScript, remoteScript: s.shutdown.remoteScript, localMsat: c.localCommit.spec.toLocalMsat, remoteMsat: c.localCommit.spec.toRemoteMsat,
        localIsFunder: c.params.weAreFunder, feeSat: m.feeSatoshis, dustLimitSat, ...(drop ? { drop } : {}),
      });
      if (tx !== undefined && verifyClosing(f, tx, m.signature, engineOf(ctx))) return tx;
    }
  }
  return undefined;
}

/** The peer's `closing_signed`. */
export function onClosingSigned(s: Negotiating, m: ClosingSigned, ctx: ChannelContext): ChannelStepResult {
  if (s.negotiation.kind !== 'legacy') return warnAndDisconnect(s, 'closing_signed under option_simple_close');
  const neg = s.negotiation;
  // BOLT #2: - if the `signature` is not valid for either variant of closing transaction
  //   specified in [BOLT #3](03-transactions.md#closing-transaction) OR non-compliant with LOW-S-standard rule<sup>[LOWS](https://github.com/bitcoin/bitcoin/pull/6769)</sup>:
  //     - MUST send a `warning` and close the connection, or send an
  //       `error` and fail the channel.
  const tx = findSignedLegacyTx(s, m, ctx);
  if (tx === undefined) return warnAndDisconnect(s, `closing_signed signature is not valid for fee ${m.feeSatoshis} sat`);
  // BOLT #2: - if one of the outputs in the closing transaction is below the dust limit for its `scriptpubkey` (see [BOLT 3](03-transactions.md#dust-limits)):
  //     - MUST fail the channel
  if (tx.outputs.some((o) => o.value < closingDustThresholdSat(o.script))) return forceClose(s, { kind: 'protocolError', why: 'a closing output is below the dust threshold' }, ctx, true);
  const ours = neg.lastSent ?? ourProposal(s);
  const d = decideClosingFee({ weAreFunder: s.commitments.params.weAreFunder, ours, sent: neg.lastSent !== undefined, received: { feeSat: m.feeSatoshis, ...(m.tlvs.feeRange ? { range: m.tlvs.feeRange } : {}) } });
  const received: Negotiating = { ...s, negotiation: { ...neg, lastReceivedFeeSat: m.feeSatoshis } };
  switch (d.kind) {
    case 'agree':
      return finishLegacy(received, tx, m, d.reply ? { ...ours, feeSat: d.feeSat } : undefined, ctx);
    case 'counter':
      return proposeLegacy(received, d.proposal, ctx);
    case 'noOverlap':
      return stay(received, send(warningMessage(s.commitments.channelId, 'our closing fee ranges do not overlap')));
    case 'fail':
      return forceClose(received, { kind: 'protocolError', why: d.why }, ctx, true);
  }
}

/** Sign the tx the peer signed, broadcast it, and reply with the same fee when asked. */
function finishLegacy(s: Negotiating, tx: Transaction, m: ClosingSigned, reply: FeeProposal | undefined, ctx: ChannelContext): ChannelStepResult {
  const f = frameOf(s.commitments);
  const ourSig = withSecrets(ctx, s.keyIndex, (sec) => signClosing(f, tx, sec.fundingPrivkey, engineOf(ctx)));
  const { raw } = finalizeClosing(f, tx, ourSig, m.signature);
  const actions: ChannelAction[] = [];
  if (reply !== undefined) {
    actions.push(send({ name: 'closing_signed', channelId: s.commitments.channelId, feeSatoshis: reply.feeSat, signature: ourSig, tlvs: { feeRange: { minFeeSatoshis: reply.minFeeSat, maxFeeSatoshis: reply.maxFeeSat } } }));
  }
  actions.push({ kind: 'broadcast', raw, what: 'closing' });
  const { kind: _k, negotiation: _n, closingTxs: _t, shutdown: _s, ...rest } = s;
  return { state: { ...rest, kind: 'closing', reason: { kind: 'mutual' }, broadcast: [raw] }, actions };
}

/** Which signature variants we send as the closer (BOLT 2 "The sender of `closing_complete`"). */
function closerVariants(closerMsat: bigint, closeeMsat: bigint, closerSat: bigint, closeeSat: bigint, closerScript: Uint8Array, closeeScript: Uint8Array): SimpleClosingVariant[] {
  const closerDust = !isOpReturn(closerScript) && closerSat < closingDustThresholdSat(closerScript);
  const closeeDust = !isOpReturn(closeeScript) && closeeSat < closingDustThresholdSat(closeeScript);
  // BOLT #2: - If the local outstanding balance (in millisatoshi) is less than the remote outstanding balance:
  //     - MUST NOT set `closer_output_only`.
  //     - MUST set `closee_output_only` if the local output amount is dust.
  if (closerMsat < closeeMsat) return closerDust ? ['closeeOutputOnly'] : ['closerAndCloseeOutputs'];
  // BOLT #2: - If the closee's output amount is dust:
  //       - MUST set `closer_output_only`.
  //       - MUST NOT set `closer_and_closee_outputs`.
  //     - Otherwise:
  //       - MUST set both `closer_output_only` and `closer_and_closee_outputs`.
  return closeeDust ? ['closerOutputOnly'] : ['closerOutputOnly', 'closerAndCloseeOutputs'];
}

/** Send our `closing_complete` (we are the closer and pay the fee), if our balance can pay it. */
function sendClosingComplete(s: Negotiating, ctx: ChannelContext): ChannelStepResult {
  const c = s.commitments;
  const closerScript = s.shutdown.localScript;
  const closeeScript = s.shutdown.remoteScript;
  const feeSat = closingFeeSat(s.shutdown.feeratePerKw, closingWeight([closerScript, closeeScript]));
  const base = { closerScript, closeeScript, closerMsat: c.localCommit.spec.toLocalMsat, closeeMsat: c.localCommit.spec.toRemoteMsat, feeSat };
  // BOLT #2: - MUST set `fee_satoshis` to a fee less than or equal to its outstanding balance, rounded down to whole satoshis.
  const a = simpleClosingAmounts(base);
  if (a === undefined || !s.connected) return stay(s);
  const variants = closerVariants(base.closerMsat, base.closeeMsat, a.closerSat, a.closeeSat, closerScript, closeeScript);
  const f = frameOf(c);
  const locktime = 0;
  const tlvs: Record<string, Uint8Array> = {};
  withSecrets(ctx, s.keyIndex, (sec) => {
    for (const variant of variants) tlvs[variant] = signClosing(f, simpleClosingTx(f, { ...base, locktime, variant })!, sec.fundingPrivkey, engineOf(ctx));
  });
  const m: ClosingComplete = { name: 'closing_complete', channelId: c.channelId, closerScriptpubkey: closerScript, closeeScriptpubkey: closeeScript, feeSatoshis: feeSat, locktime, tlvs };
  return { state: { ...s, negotiation: { kind: 'simple', pending: { feeSat, locktime, closerScript, closeeScript } } }, actions: [send(m)] };
}

const VARIANTS: readonly SimpleClosingVariant[] = ['closerOutputOnly', 'closeeOutputOnly', 'closerAndCloseeOutputs'];

/** The peer's `closing_complete`: we are the closee; sign the variant BOLT 2 selects and broadcast it. */
export function onClosingComplete(s: Negotiating, m: ClosingComplete, ctx: ChannelContext): ChannelStepResult {
  const c = s.commitments;
  const closerMsat = c.localCommit.spec.toRemoteMsat;
  const closeeMsat = c.localCommit.spec.toLocalMsat;
  // BOLT #2: - If `fee_satoshis` is greater than the closer's outstanding balance:
  //     - MUST either send a `warning` and close the connection, or send an `error` and fail the channel.
  const a = simpleClosingAmounts({ closerScript: m.closerScriptpubkey, closeeScript: m.closeeScriptpubkey, closerMsat, closeeMsat, feeSat: m.feeSatoshis });
  if (a === undefined) return warnAndDisconnect(s, `closing_complete fee ${m.feeSatoshis} sat exceeds the closer's balance`);
  // BOLT #2: - If `closee_scriptpubkey` does not match the last script it sent (from `closing_complete` or from the initial `shutdown`):
  //     - SHOULD ignore `closing_complete`.
  //     - SHOULD send a `warning`.
  //     - SHOULD close the connection.
  if (!equal(m.closeeScriptpubkey, s.shutdown.localScript)) return warnAndDisconnect(s, 'closing_complete closee_scriptpubkey is not our shutdown script');
  if (!isValidShutdownScript(m.closerScriptpubkey, { anySegwit: s.features.shutdownAnySegwit, simpleClose: true })) return warnAndDisconnect(s, 'closing_complete closer_scriptpubkey is invalid');
  // BOLT #2: - Select a signature for validation:
  //     - If the local output amount is dust:
  //       - MUST use `closer_output_only`.
  const ourDust = !isOpReturn(m.closeeScriptpubkey) && a.closeeSat < closingDustThresholdSat(m.closeeScriptpubkey);
  const variant: SimpleClosingVariant = ourDust ? 'closerOutputOnly' : m.tlvs.closerAndCloseeOutputs !== undefined ? 'closerAndCloseeOutputs' : 'closeeOutputOnly';
  const theirSig = m.tlvs[variant];
  // BOLT #2: - If the selected signature field does not exist:
  //     - MUST either send a `warning` and close the connection, or send an `error` and fail the channel.
  if (theirSig === undefined) return warnAndDisconnect(s, `closing_complete lacks the ${variant} signature`);
  const f = frameOf(c);
  const tx = simpleClosingTx(f, { closerScript: m.closerScriptpubkey, closeeScript: m.closeeScriptpubkey, closerMsat, closeeMsat, feeSat: m.feeSatoshis, locktime: m.locktime, variant })!;
  if (!verifyClosing(f, tx, theirSig, engineOf(ctx))) return warnAndDisconnect(s, `closing_complete ${variant} signature is invalid`);
  const ourSig = withSecrets(ctx, s.keyIndex, (sec) => signClosing(f, tx, sec.fundingPrivkey, engineOf(ctx)));
  const { raw } = finalizeClosing(f, tx, ourSig, theirSig);
  // BOLT #2: - MUST send `closing_sig` with a single valid signature in the same TLV field as the `closing_complete`.
  const sig: ClosingSig = { name: 'closing_sig', channelId: c.channelId, closerScriptpubkey: m.closerScriptpubkey, closeeScriptpubkey: m.closeeScriptpubkey, feeSatoshis: m.feeSatoshis, locktime: m.locktime, tlvs: { [variant]: ourSig } };
  // BOLT #2: - MUST use `closer_scriptpubkey` for its own future `closing_complete` messages.
  const next: Negotiating = { ...s, shutdown: { ...s.shutdown, remoteScript: Uint8Array.from(m.closerScriptpubkey) }, closingTxs: [...s.closingTxs, raw] };
  return { state: next, actions: [send(sig), { kind: 'broadcast', raw, what: 'closing' }] };
}

/** The peer's `closing_sig` for our `closing_complete`. */
export function onClosingSig(s: Negotiating, m: ClosingSig, ctx: ChannelContext): ChannelStepResult {
  const p = s.negotiation.kind === 'simple' ? s.negotiation.pending : undefined;
  if (p === undefined) return warnAndDisconnect(s, 'closing_sig without a closing_complete of ours');
  // BOLT #2: - If `closer_scriptpubkey`, `closee_scriptpubkey`, `fee_satoshis` or `locktime` don't match what was sent in `closing_complete`:
  //     - MUST either send a `warning` and close the connection, or send an `error` and fail the channel.
  if (!equal(m.closerScriptpubkey, p.closerScript) || !equal(m.closeeScriptpubkey, p.closeeScript) || m.feeSatoshis !== p.feeSat || m.locktime !== p.locktime) {
    return warnAndDisconnect(s, 'closing_sig does not match our closing_complete');
  }
  const present = VARIANTS.filter((v) => m.tlvs[v] !== undefined);
  // BOLT #2: - If `tlvs` does not contain exactly one signature:
  //     - MUST either send a `warning` and close the connection, or send an `error` and fail the channel.
  if (present.length !== 1) return warnAndDisconnect(s, 'closing_sig must hold exactly one signature');
  const variant = present[0]!;
  const c = s.commitments;
  const f = frameOf(c);
  const tx = simpleClosingTx(f, { closerScript: p.closerScript, closeeScript: p.closeeScript, closerMsat: c.localCommit.spec.toLocalMsat, closeeMsat: c.localCommit.spec.toRemoteMsat, feeSat: p.feeSat, locktime: p.locktime, variant });
  if (tx === undefined || !verifyClosing(f, tx, m.tlvs[variant]!, engineOf(ctx))) return warnAndDisconnect(s, `closing_sig ${variant} signature is invalid`);
  const ourSig = withSecrets(ctx, s.keyIndex, (sec) => signClosing(f, tx, sec.fundingPrivkey, engineOf(ctx)));
  const { raw } = finalizeClosing(f, tx, ourSig, m.tlvs[variant]!);
  // BOLT #2: - otherwise:
  //     - MUST broadcast the corresponding closing transaction.
  const next: Negotiating = { ...s, negotiation: { kind: 'simple' }, closingTxs: [...s.closingTxs, raw] };
  return { state: next, actions: [{ kind: 'broadcast', raw, what: 'closing' }] };
}

/** After reconnection: negotiation restarts (legacy: the funder proposes again; simple: both send closing_complete again). */
export function restartNegotiation(s: Negotiating, ctx: ChannelContext): ChannelStepResult {
  if (s.negotiation.kind === 'simple') return sendClosingComplete({ ...s, negotiation: { kind: 'simple' } }, ctx);
  const fresh: Negotiating = { ...s, negotiation: { kind: 'legacy' } };
  return s.commitments.params.weAreFunder ? proposeLegacy(fresh, ourProposal(fresh), ctx) : stay(fresh);
}
