/**
 * @module back/channels/onchain
 * The backend's BOLT 5 driver: it runs the pure resolver of `src/channel/onchain` (`resolverStep`) for
 * every channel whose funding output exists, over the blocks of the chain source, and performs what the
 * resolver asks — broadcasts of claims and penalties through the wallet, sweeping to a wallet script,
 * operator warnings — so a force close from either side (or a revoked commitment) ends with the funds
 * in our wallet.
 *
 * How (the rules of `src/channel/onchain/resolver.ts`):
 * - one record per channel in `onchain_resolvers` (`./store.ts`): the resolver state, the channel
 *   snapshot taken once when the funding output is spent (`onchainChannelFromLedger` of the machine's
 *   ledger), the sweep script (fetched from the wallet once, so rebuilt claims pay the same script), the
 *   hashes of the last blocks scanned (reorg detection), warnings;
 * - each new block (`onBlock`, after the chain timers processed it) is scanned for spends of the
 *   funding output and of every tracked output, and for confirmations of the closing and resolving
 *   transactions; those events go first, then the `block` event;
 * - each new resolver state is saved BEFORE its actions are performed; a broadcast that fails is
 *   simply retried by the resolver at the next block;
 * - a block hash that changed under a scanned height is a reorg: `reorg {fork}`, then the new blocks.
 *
 * Spec: https://github.com/lightning/bolts/blob/master/05-onchain.md
 * Does not: see spends in the mempool (only confirmed ones), fund anchors HTLC transactions
 * (`needsFeeInputs`: logged, our channels are opened without anchors), spend anchors (CPFP), relay
 * `preimageFound`/`htlcFailed` upstream (logged; there is no relay layer yet), or change the channel
 * machine's state (it keeps its phase; `onClosed` lets the manager stop the channel, and the listing's
 * `onchain` field says what happened).
 */
import type { Logger } from '../../log.js';
import type { ChainSource, UtxoChainSource } from '../../chain/source.js';
import type { Tx } from '../../chain/bitcoin.js';
import type { Wallet } from '../../chain/wallet.js';
import type { ChannelState } from '../../channel/machine/types.js';
import { zeroChannelSecrets, type ChannelSecrets } from '../../channel/params.js';
import { parseTx, serializeTx, txidFromHex, txidToHex, type Transaction } from '../../channel/tx.js';
import {
  hexOf, initialResolverState, onchainChannelFromLedger, resolverStep, sameBytes, sameOutpoint,
  type HtlcInfo, type OnchainChannel, type ShutdownScripts, type Outpoint, type ResolveContext, type ResolverAction, type ResolverEvent, type ResolverState,
} from '../../channel/onchain/index.js';
import type { ChannelStore } from './store.js';

/** Blocks scanned per channel per round: a backend far behind catches up over several rounds. */
export const MAX_BLOCKS_PER_ROUND = 144;
/** Block hashes remembered per record to find a reorg's fork point (deeper reorgs rescan from here). */
export const REORG_HASHES = 12;
/**
 * A record still `watching` (nothing spent) is written to the database only every this many blocks (one
 * fsync per channel per block would be the cost otherwise); after a restart those blocks are scanned again.
 */
export const WATCHING_SAVE_EVERY = 144;
/** HTLC (hash, expiry) pairs remembered per channel for revoked HTLC outputs; the oldest go first. */
export const MAX_HTLC_HISTORY = 10_000;

/** Broadcast txids remembered to skip a second broadcast in the same block (oldest forgotten first). */
const MAX_SENT_MEMORY = 4096;

/** One channel as the driver reads it from the manager. */
export interface ChainChannel {
  readonly id: number;
  readonly keyIndex: bigint;
  /** The machine state (`src/channel/machine` ChannelState); only its ledger and shutdown scripts are read. */
  readonly state: unknown;
}

/** What the driver needs. */
export interface OnchainDeps {
  readonly store: Pick<ChannelStore, 'saveResolver' | 'loadResolvers'>;
  readonly chain: ChainSource;
  readonly wallet: Wallet | undefined;
  /** Derives a channel's secrets (a fresh copy: the driver zeroes it after each step). */
  readonly secrets: (keyIndex: bigint) => ChannelSecrets;
  readonly channels: () => readonly ChainChannel[];
  readonly feerate: () => Promise<number>;
  readonly log: Logger;
  /** The channel's funding output was spent (BOLT 5: fail the channel); also called at `load` for those resolving. */
  readonly onClosed?: (channel: number, reason: string) => void;
  /** Every output is irrevocably resolved (the machine closes); also called at `load` for those done. */
  readonly onResolved?: (channel: number) => void;
}

/** The persisted record of one channel (plain data, `encodeState`). */
interface ResolverRecord {
  readonly resolver: ResolverState;
  readonly snapshot?: OnchainChannel;
  readonly sweepScript?: Uint8Array;
  /** Hashes of the last scanned blocks, `[height, hash]`, oldest first. */
  readonly hashes: readonly (readonly [number, string])[];
  readonly htlcHistory: readonly HtlcInfo[];
  /** Both shutdown scripts once the machine had them (a mutual close is recognised by them). */
  readonly shutdown?: ShutdownScripts;
  readonly warnings: readonly string[];
}

/** What `GET /channels` shows of a channel on chain. */
export interface OnchainInfo {
  readonly phase: ResolverState['phase'];
  readonly tip: number;
  readonly closingTxid?: string;
  readonly spend?: string;
  readonly closingHeight?: number;
  readonly outputs?: readonly { readonly role: string; readonly outpoint: string; readonly status: string; readonly spentBy?: string }[];
  readonly warnings: readonly string[];
}

/** Our txid bytes of a chain-parsed transaction, and its serialisation (the resolver's input). */
function rawOf(tx: Tx): Uint8Array {
  const t: Transaction = {
    version: tx.version, locktime: tx.locktime, outputs: tx.outputs,
    inputs: tx.inputs.map((i) => ({ txid: txidFromHex(i.prevTxid), vout: i.prevVout, scriptSig: i.scriptSig, sequence: i.sequence, witness: i.witness })),
  };
  return serializeTx(t, tx.hasWitness);
}

/** `OP_RETURN`, which a closing transaction may carry instead of a dust output. */
const OP_RETURN = 0x6a;

/** The scripts a mutual close we broadcast pays (both shutdown scripts, or the one above dust). */
function closingScripts(txs: readonly Uint8Array[]): ShutdownScripts | undefined {
  const scripts: Uint8Array[] = [];
  for (const raw of txs) {
    for (const o of parseTx(raw).outputs) if (o.script[0] !== OP_RETURN && !scripts.some((x) => sameBytes(x, o.script))) scripts.push(o.script);
  }
  if (scripts.length === 0 || scripts.length > 2) return undefined;
  return { local: scripts[0]!, remote: scripts[1] ?? scripts[0]! };
}

/** The machine state's ledger and shutdown scripts (from `shutdown`/`negotiating`, or a mutual close's transactions). */
function ledgerOf(state: unknown): { c: Extract<ChannelState, { commitments: unknown }>['commitments']; shutdown?: ShutdownScripts } | undefined {
  const s = state as ChannelState;
  if (!('commitments' in s)) return undefined;
  const sh = 'shutdown' in s ? s.shutdown : undefined;
  const shutdown = sh?.remoteScript !== undefined ? { local: sh.localScript, remote: sh.remoteScript }
    : s.kind === 'closing' && s.reason.kind === 'mutual' ? closingScripts(s.broadcast) : undefined;
  return { c: s.commitments, ...(shutdown === undefined ? {} : { shutdown }) };
}

const outpointText = (o: Outpoint): string => `${txidToHex(o.txid)}:${o.vout}`;

/** The driver; see the module comment. */
export class OnchainDriver {
  readonly #d: OnchainDeps;
  readonly #records = new Map<number, ResolverRecord>();
  #running: Promise<void> = Promise.resolve();
  /** Txid → block height of its last broadcast: a block's spends and its `block` event may ask twice. */
  readonly #sent = new Map<string, number>();
  #scanning = 0;
  #stopped = false;

  constructor(deps: OnchainDeps) {
    this.#d = deps;
  }

  /** Loads the stored records (unreadable ones are logged and left alone). */
  load(): void {
    const { records, corrupt } = this.#d.store.loadResolvers();
    for (const c of corrupt) this.#d.log.error({ channel: c.channel, err: c.error.message }, 'on-chain resolver unreadable: not driven');
    for (const r of records) {
      const rec = r.record as ResolverRecord;
      this.#records.set(r.channel, rec);
      if (rec.resolver.phase !== 'watching') this.#d.onClosed?.(r.channel, `funding spent by ${txidToHex(rec.resolver.closing.txid)} (${rec.resolver.closing.spend.kind})`);
      if (rec.resolver.phase === 'done') this.#d.onResolved?.(r.channel);
    }
  }

  /** A new best block `height`: every channel catches up to it (rounds run one after another). */
  onBlock(height: number): Promise<void> {
    const source = this.#d.chain;
    if (source.kind === 'none' || this.#stopped) return Promise.resolve();
    this.#running = this.#running.then(() => this.#round(source, height)).catch((e: unknown) => {
      this.#d.log.error({ err: (e as Error).message }, 'on-chain resolution round failed: retried at the next block');
    });
    return this.#running;
  }

  /** Refuses new rounds and waits for a running one (at shutdown, before the store closes). */
  stop(): Promise<void> {
    this.#stopped = true;
    return this.#running;
  }

  /** What the listing shows for channel `id`, if it has a record. */
  info(id: number): OnchainInfo | undefined {
    const r = this.#records.get(id);
    if (r === undefined) return undefined;
    const s = r.resolver;
    if (s.phase === 'watching') return { phase: s.phase, tip: s.tip, warnings: r.warnings };
    const closing = { closingTxid: txidToHex(s.closing.txid), spend: s.closing.spend.kind, ...(s.closing.height === undefined ? {} : { closingHeight: s.closing.height }) };
    if (s.phase === 'done') return { phase: s.phase, tip: s.tip, ...closing, warnings: r.warnings };
    const outputs = s.outputs.map((o) => ({
      role: o.role.kind, outpoint: outpointText(o.outpoint), status: o.status.kind,
      ...(o.status.kind === 'spent' ? { spentBy: txidToHex(o.status.txid) } : {}),
    }));
    return { phase: s.phase, tip: s.tip, ...closing, outputs, warnings: r.warnings };
  }

  async #round(source: UtxoChainSource, height: number): Promise<void> {
    for (const ch of this.#d.channels()) {
      try {
        await this.#channel(source, ch, height);
      } catch (e) {
        this.#d.log.error({ channel: ch.id, err: (e as Error).message }, 'on-chain resolution failed for this channel: retried at the next block');
      }
    }
  }

  async #channel(source: UtxoChainSource, ch: ChainChannel, height: number): Promise<void> {
    let rec = this.#records.get(ch.id);
    const ledger = ledgerOf(ch.state);
    if (rec === undefined) {
      if (ledger === undefined) return;
      // Scan from the current block: a channel's funding cannot be spent before it has a ledger here.
      rec = { resolver: initialResolverState({ txid: ledger.c.fundingTxid, vout: ledger.c.fundingVout }, height - 1), hashes: [], htlcHistory: [], warnings: [] };
      this.#save(ch.id, rec);
    }
    if (rec.resolver.phase === 'done') return;
    if (ledger !== undefined && rec.snapshot === undefined) rec = this.#remember(ch.id, rec, ledger.c, ledger.shutdown);
    rec = await this.#checkReorg(source, ch, rec);
    const until = Math.min(height, rec.resolver.tip + MAX_BLOCKS_PER_ROUND);
    for (let h = rec.resolver.tip + 1; h <= until; h++) {
      this.#scanning = h;
      const hash = await source.getBlockHash(h);
      if (hash === undefined) return;
      const block = await source.getBlock(hash);
      for (const tx of block.txs) rec = await this.#tx(ch, rec, tx, h);
      rec = await this.#feed(ch, { ...rec, hashes: [...rec.hashes, [h, hash] as const].slice(-REORG_HASHES) }, { type: 'block', height: h });
      if (rec.resolver.phase === 'done') return;
    }
  }

  /** Adds the HTLCs of the peer's commitments (hash, expiry) to the history kept for revoked outputs; keeps the shutdown scripts. */
  #remember(id: number, rec0: ResolverRecord, c: NonNullable<ReturnType<typeof ledgerOf>>['c'], shutdown: ShutdownScripts | undefined): ResolverRecord {
    let rec = rec0;
    if (shutdown !== undefined && (rec.shutdown === undefined || !sameBytes(rec.shutdown.local, shutdown.local) || !sameBytes(rec.shutdown.remote, shutdown.remote))) {
      rec = { ...rec, shutdown };
      this.#save(id, rec);
    }
    const specs = [c.remoteCommit.spec, ...(c.nextRemote.kind === 'waitingForRevocation' ? [c.nextRemote.commit.spec] : [])];
    const known = new Set(rec.htlcHistory.map((h) => `${hexOf(h.paymentHash)}/${h.cltvExpiry}`));
    const added: HtlcInfo[] = [];
    for (const d of specs.flatMap((s) => s.htlcs)) {
      const key = `${hexOf(d.add.paymentHash)}/${d.add.cltvExpiry}`;
      if (known.has(key)) continue;
      known.add(key);
      added.push({ paymentHash: d.add.paymentHash, cltvExpiry: d.add.cltvExpiry });
    }
    if (added.length === 0) return rec;
    const next = { ...rec, htlcHistory: [...rec.htlcHistory, ...added].slice(-MAX_HTLC_HISTORY) };
    this.#save(id, next);
    return next;
  }

  async #checkReorg(source: UtxoChainSource, ch: ChainChannel, rec: ResolverRecord): Promise<ResolverRecord> {
    const last = rec.hashes.at(-1);
    if (last === undefined || (await source.getBlockHash(last[0])) === last[1]) return rec;
    let fork = Math.max(0, (rec.hashes[0]?.[0] ?? last[0]) - 1);
    for (let i = rec.hashes.length - 2; i >= 0; i--) {
      const [h, hash] = rec.hashes[i]!;
      if ((await source.getBlockHash(h)) === hash) { fork = h; break; }
    }
    this.#d.log.warn({ channel: ch.id, fork, was: last[0] }, 'reorg under a channel on chain: rescanning');
    return this.#feed(ch, { ...rec, hashes: rec.hashes.filter(([h]) => h <= fork) }, { type: 'reorg', height: fork });
  }

  /** Events for one confirmed transaction: funding spend, spends of tracked outputs, confirmations. */
  async #tx(ch: ChainChannel, rec0: ResolverRecord, tx: Tx, height: number): Promise<ResolverRecord> {
    let rec = rec0;
    let raw: Uint8Array | undefined;
    const id = txidFromHex(tx.txid);
    for (const input of tx.inputs) {
      const op: Outpoint = { txid: txidFromHex(input.prevTxid), vout: input.prevVout };
      const s = rec.resolver;
      if (sameOutpoint(op, s.funding)) {
        if (s.phase === 'resolving' && s.closing.height !== undefined && sameBytes(s.closing.txid, id)) continue;
        raw ??= rawOf(tx);
        if (rec.snapshot === undefined) rec = await this.#snapshot(ch, rec);
        if (rec.snapshot === undefined) return rec;
        rec = await this.#feed(ch, rec, { type: 'fundingSpent', tx: raw, height });
      } else if (s.phase === 'resolving' && s.outputs.some((o) => sameOutpoint(o.outpoint, op) && !(o.status.kind === 'spent' && o.status.height !== undefined))) {
        raw ??= rawOf(tx);
        rec = await this.#feed(ch, rec, { type: 'outputSpent', outpoint: op, tx: raw, height });
      }
    }
    const s = rec.resolver;
    if (s.phase !== 'resolving') return rec;
    const waiting = (s.closing.height === undefined && sameBytes(s.closing.txid, id))
      || s.outputs.some((o) => (o.parentHeight === undefined && sameBytes(o.outpoint.txid, id)) || (o.status.kind === 'spent' && o.status.height === undefined && sameBytes(o.status.txid, id)));
    return waiting ? this.#feed(ch, rec, { type: 'txConfirmed', txid: id, height }) : rec;
  }

  /** Takes the channel snapshot (once, at the funding spend) and the sweep script. */
  async #snapshot(ch: ChainChannel, rec: ResolverRecord): Promise<ResolverRecord> {
    const ledger = ledgerOf(ch.state);
    if (ledger === undefined) {
      // A ledger-less machine state (closed by a mutual close, or aborted): nothing of ours to claim.
      this.#d.log.info({ channel: ch.id }, 'funding spent after the channel ledger was gone: nothing to resolve');
      return rec;
    }
    if (this.#d.wallet === undefined) throw new Error('no wallet to sweep to (chain.source none)');
    const sweepScript = rec.sweepScript ?? await this.#d.wallet.newScript();
    const secrets = this.#d.secrets(ch.keyIndex);
    try {
      const shutdown = ledger.shutdown ?? rec.shutdown;
      const snapshot = onchainChannelFromLedger(ledger.c, secrets, { remoteHtlcHistory: rec.htlcHistory, ...(shutdown === undefined ? {} : { shutdown }) });
      const next: ResolverRecord = { ...rec, snapshot, sweepScript };
      this.#save(ch.id, next);
      return next;
    } finally {
      zeroChannelSecrets(secrets);
    }
  }

  /** One resolver step: the new record is saved, then its actions performed. */
  async #feed(ch: ChainChannel, rec: ResolverRecord, event: ResolverEvent): Promise<ResolverRecord> {
    const snapshot = rec.snapshot;
    let result: ReturnType<typeof resolverStep>;
    if (snapshot === undefined || rec.sweepScript === undefined) {
      // Nothing spent the funding yet: only the tip moves (or goes back on a reorg).
      const s = rec.resolver;
      const tip = event.type === 'block' ? Math.max(s.tip, event.height) : event.type === 'reorg' ? Math.min(s.tip, event.height) : s.tip;
      result = { state: { ...s, tip }, actions: [] };
    } else {
      const secrets = this.#d.secrets(ch.keyIndex);
      try {
        const ctx: ResolveContext = { channel: snapshot, secrets, feeratePerKw: await this.#d.feerate(), sweepScript: rec.sweepScript };
        result = resolverStep(rec.resolver, event, ctx);
      } finally {
        zeroChannelSecrets(secrets);
      }
    }
    let next: ResolverRecord = { ...rec, resolver: result.state };
    const warnings = result.actions.flatMap((a) => (a.type === 'warnLostFunds' ? [`${a.reason}: ${a.detail}`] : []));
    if (warnings.length > 0) next = { ...next, warnings: [...next.warnings, ...warnings] };
    const quiet = next.resolver.phase === 'watching' && event.type === 'block' && event.height % WATCHING_SAVE_EVERY !== 0;
    if (quiet) this.#records.set(ch.id, next);
    else this.#save(ch.id, next);
    for (const a of result.actions) await this.#act(ch, a);
    return next;
  }

  async #act(ch: ChainChannel, a: ResolverAction): Promise<void> {
    const log = this.#d.log;
    switch (a.type) {
      case 'channelClosed':
        log.info({ channel: ch.id, spend: a.spend.kind, closingTxid: txidToHex(a.closingTxid) }, 'channel funding spent on chain: resolving (BOLT 5)');
        this.#d.onClosed?.(ch.id, `funding spent by ${txidToHex(a.closingTxid)} (${a.spend.kind})`);
        return;
      case 'watchOutpoint':
        return; // every block is scanned for the tracked outputs
      case 'broadcast': {
        if (a.needsFeeInputs) {
          log.error({ channel: ch.id, role: a.role, txid: txidToHex(a.txid) }, 'anchors HTLC transaction needs wallet fee inputs: not supported yet, not broadcast');
          return;
        }
        const key = hexOf(a.txid);
        if (this.#d.wallet === undefined || this.#sent.get(key) === this.#scanning) return;
        this.#sent.set(key, this.#scanning);
        if (this.#sent.size > MAX_SENT_MEMORY) this.#sent.delete(this.#sent.keys().next().value!);
        try {
          await this.#d.wallet.broadcast(hexOf(a.raw));
          log.info({ channel: ch.id, role: a.role, txid: txidToHex(a.txid), spends: outpointText(a.spends) }, 'on-chain claim broadcast');
        } catch (e) {
          log.warn({ channel: ch.id, role: a.role, txid: txidToHex(a.txid), err: (e as Error).message }, 'on-chain claim broadcast failed: retried at the next block');
        }
        return;
      }
      case 'preimageFound':
        log.info({ channel: ch.id, paymentHash: hexOf(a.paymentHash) }, 'preimage learned on chain (no relay layer to fulfill upstream)');
        return;
      case 'htlcFailed':
        log.info({ channel: ch.id, paymentHash: hexOf(a.htlc.paymentHash) }, 'HTLC failed on chain (no relay layer to fail upstream)');
        return;
      case 'warnLostFunds':
        log.error({ channel: ch.id, reason: a.reason, detail: a.detail }, 'POTENTIALLY LOST FUNDS on a channel closed on chain');
        return;
      case 'done':
        log.info({ channel: ch.id }, 'channel fully resolved on chain');
        this.#d.onResolved?.(ch.id);
        return;
    }
  }

  #save(id: number, rec: ResolverRecord): void {
    this.#d.store.saveResolver(id, rec);
    this.#records.set(id, rec);
  }
}
