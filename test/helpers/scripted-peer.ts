/**
 * Test helper (not a test file): a Lightning peer built from OUR code — BOLT 8 (`src/noise`) and the wire
 * codecs (`src/wire`) through `test/front/test-peer.ts`, and the commitments ledger
 * (`src/channel/commitments`) for its side of a channel — that dials a front of a real cluster on
 * loopback, does BOLT 8 + init, and plays BOLT 2 one message at a time, so a test decides exactly what
 * is sent when (and can send what a broken peer would).
 *
 *   const p = await ScriptedPeer.connect(front1Port, backendNodeId);
 *   const temp = p.sendOpenChannel({ fundingSat: 500_000n });      // we are the funder
 *   const f = await p.acceptAndFund(chain);                          // accept_channel → funding_created/signed, broadcast
 *   await chain.mine(3); await p.exchangeChannelReady();
 *   const id = p.addHtlc(10_000_000n, hash); await p.signAndSettle(); // update_add_htlc + the commitment dance
 *   await p.reconnect(front2Port); await p.reestablish();
 *
 * Keys come from `deriveChannelSecrets` with a random seed per peer. Onions are opaque random bytes.
 * Does not: route, check onions, or resolve anything on chain.
 */
import { randomBytes, createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import type { EmbeddedRegtest } from '../../src/chain/embedded-regtest.js';
import { BitcoindWallet } from '../../src/chain/wallet.js';
import { channelPubkeys, deriveChannelSecrets, type AnnouncedConfig, type ChannelParams, type ChannelSecrets } from '../../src/channel/params.js';
import { fundingOutputScript } from '../../src/chain/bitcoin.js';
import { txidFromHex } from '../../src/channel/tx.js';
import {
  channelReadyPoint, hasPendingChanges, initialCommitments, localHasChanges, localPerCommitmentPoint, onDisconnect, onReestablish, receiveAdd, receiveChannelReady, receiveCommit,
  receiveFail, receiveFulfill, receiveInitialSignature, receiveRevoke, reestablishFields, sendAdd, sendCommit, sendFail, sendFulfill,
  signRemoteCommitment, balances, type Commitments, type CommitmentsResult, type Update,
} from '../../src/channel/commitments/index.js';
import { updateMessage } from '../../src/channel/machine/normal.js';
import { decodeMessage, encodeMessage, peekType, type Message } from '../../src/wire/index.js';
import { dialPeer, type TestPeer } from '../front/test-peer.js';
import { newKey, REGTEST, type TestKey } from '../front/helpers.js';

/** The features our peer offers: data_loss_protect, var_onion_optin, static_remotekey, payment_secret (optional bits). */
export const SCRIPTED_PEER_FEATURES = Uint8Array.from([0xa2, 0x02]);
/** What the scripted peer announces about itself (typical mainnet limits). */
const SIDE = { dustLimitSat: 546n, maxHtlcValueInFlightMsat: 5_000_000_000n, htlcMinimumMsat: 1_000n, toSelfDelay: 144, maxAcceptedHtlcs: 30 } as const;
/** Waiting for one message from the backend, ms: a bound, not a goal. */
const EXPECT_TIMEOUT_MS = 20_000;
/** Commitment feerate the scripted funder proposes, sat/kw. */
const FEERATE = 2_500;

type Named<N extends Message['name']> = Extract<Message, { name: N }>;

function ok<T>(r: CommitmentsResult<T>): T {
  if (!r.ok) assert.fail(`scripted peer ledger: ${r.error.kind} (${r.error.action}): ${r.error.message}`);
  return r as T;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A scripted Lightning peer; see the module comment. */
export class ScriptedPeer {
  conn: TestPeer;
  readonly key: TestKey;
  readonly secrets: ChannelSecrets;
  readonly backendNodeId: Uint8Array;
  /** Index in `conn.messages` of the next message `expect` looks at. */
  #cursor = 0;
  /** The channel, once funded. */
  c: Commitments | undefined;
  temporaryChannelId: Uint8Array = new Uint8Array(0);
  #pending: { open?: Named<'open_channel'>; accept?: Named<'accept_channel'> } = {};

  private constructor(conn: TestPeer, key: TestKey, backendNodeId: Uint8Array) {
    this.conn = conn;
    this.key = key;
    this.backendNodeId = backendNodeId;
    this.secrets = deriveChannelSecrets(randomBytes(32), 0n);
  }

  /** Dials `port` (a front), BOLT 8 towards `backendNodeId`, exchanges init. */
  static async connect(port: number, backendNodeId: Uint8Array | string, key: TestKey = newKey()): Promise<ScriptedPeer> {
    const id = typeof backendNodeId === 'string' ? Uint8Array.from(Buffer.from(backendNodeId, 'hex')) : backendNodeId;
    const p = new ScriptedPeer(await dialPeer(port, id, key), key, id);
    await p.#init();
    return p;
  }

  /** Our node id, hex. */
  get nodeIdHex(): string {
    return hex(this.key.pub);
  }

  get channelId(): Uint8Array {
    assert.ok(this.c, 'no channel yet');
    return this.c.channelId;
  }

  async #init(): Promise<void> {
    this.conn.send({ name: 'init', globalfeatures: new Uint8Array(0), features: SCRIPTED_PEER_FEATURES, tlvs: { networks: [REGTEST] } });
    await this.expect('init');
  }

  /** Drops the connection and dials `port` (another front, or the same), then init. */
  async reconnect(port: number): Promise<void> {
    this.conn.destroy();
    await this.conn.closed;
    // BOLT 2: updates not yet covered by a commitment_signed are forgotten on disconnection.
    if (this.c !== undefined) this.c = onDisconnect(this.c).commitments;
    this.conn = await dialPeer(port, this.backendNodeId, this.key);
    this.#cursor = 0;
    await this.#init();
  }

  /** Sends a message. */
  send(m: Message): void {
    this.conn.send(m);
  }

  /**
   * The next message named `name` from the backend, skipping pings (answered), gossip and the other
   * messages listed in `skip`; any other message first fails the test with what it was.
   */
  async expect<N extends Message['name']>(name: N, skip: readonly string[] = []): Promise<Named<N>> {
    const deadline = Date.now() + EXPECT_TIMEOUT_MS;
    for (;;) {
      while (this.#cursor < this.conn.messages.length) {
        const raw = this.conn.messages[this.#cursor++]!;
        const m = decodeMessage(raw);
        if (m.name === name) return m as Named<N>;
        if (m.name === 'ping') continue; // answered by #autoPong
        if (peekType(raw) >= 256 || skip.includes(m.name)) continue;
        const detail = m.name === 'error' || m.name === 'warning' ? `: ${new TextDecoder().decode(m.data)}` : '';
        assert.fail(`scripted peer expected ${name}, got ${m.name}${detail}`);
      }
      if (this.conn.isClosed) assert.fail(`connection closed while waiting for ${name}`);
      if (Date.now() > deadline) assert.fail(`no ${name} within ${EXPECT_TIMEOUT_MS} ms`);
      await this.#waitData();
    }
  }

  /** Resolves when more bytes arrive (the TestPeer's own listener, registered first, has decrypted them) or after 100 ms. */
  #waitData(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => { clearTimeout(t); this.conn.socket.off('data', done); resolve(); };
      const t = setTimeout(done, 100);
      this.conn.socket.on('data', done);
    });
  }

  #announced(): AnnouncedConfig {
    const pub = channelPubkeys(this.secrets);
    return { ...SIDE, channelReserveSat: 0n, fundingPubkey: pub.fundingPubkey, basepoints: pub.basepoints, firstPerCommitmentPoint: localPerCommitmentPoint(this.secrets, 0) };
  }

  // ── we fund ──

  /** Sends `open_channel` as funder; returns the temporary channel id. */
  sendOpenChannel(o: { fundingSat: bigint; pushMsat?: bigint; announce?: boolean }): Uint8Array {
    const a = this.#announced();
    this.temporaryChannelId = randomBytes(32);
    const m: Named<'open_channel'> = {
      name: 'open_channel', chainHash: REGTEST, temporaryChannelId: this.temporaryChannelId, fundingSatoshis: o.fundingSat, pushMsat: o.pushMsat ?? 0n,
      dustLimitSatoshis: a.dustLimitSat, maxHtlcValueInFlightMsat: a.maxHtlcValueInFlightMsat, channelReserveSatoshis: o.fundingSat / 100n,
      htlcMinimumMsat: a.htlcMinimumMsat, feeratePerKw: FEERATE, toSelfDelay: a.toSelfDelay, maxAcceptedHtlcs: a.maxAcceptedHtlcs,
      fundingPubkey: a.fundingPubkey, revocationBasepoint: a.basepoints.revocationBasepoint, paymentBasepoint: a.basepoints.paymentBasepoint,
      delayedPaymentBasepoint: a.basepoints.delayedPaymentBasepoint, htlcBasepoint: a.basepoints.htlcBasepoint, firstPerCommitmentPoint: a.firstPerCommitmentPoint,
      channelFlags: o.announce === false ? 0 : 1, tlvs: { channelType: Uint8Array.from([0x10, 0x00]) },
    } as Named<'open_channel'>;
    this.#pending.open = m;
    this.send(m);
    return this.temporaryChannelId;
  }

  /**
   * accept_channel → funds the 2-of-2 from the regtest chain's wallet (through its RPC) → funding_created
   * → funding_signed (verified) → broadcasts. Returns the funding outpoint.
   */
  async acceptAndFund(chain: EmbeddedRegtest): Promise<{ txid: string; vout: number }> {
    const acc = await this.expect('accept_channel');
    const open = this.#pending.open!;
    const params = this.#params(open, acc, true);
    const wallet = new BitcoindWallet(chain.source.rpc, { feeFloorPerKw: 253, confTarget: 6 });
    const tx = await wallet.fundOutput(fundingOutputScript(params.local.fundingPubkey, params.remote.fundingPubkey), open.fundingSatoshis, 1000);
    let c = ok(initialCommitments({ params, fundingTxid: txidFromHex(tx.txid), fundingVout: tx.vout, feeratePerKw: open.feeratePerKw })).commitments;
    this.send({ name: 'funding_created', temporaryChannelId: this.temporaryChannelId, fundingTxid: txidFromHex(tx.txid), fundingOutputIndex: tx.vout, signature: signRemoteCommitment(c, this.secrets).signature, tlvs: {} } as Named<'funding_created'>);
    const signed = await this.expect('funding_signed');
    assert.equal(hex(signed.channelId), hex(c.channelId), 'funding_signed names the channel_id of the funding outpoint');
    c = ok(receiveInitialSignature(c, signed.signature)).commitments;
    this.c = c;
    await wallet.broadcast(tx.hex);
    return { txid: tx.txid, vout: tx.vout };
  }

  // ── they fund (lnfleet open) ──

  /** open_channel → accept_channel (minimum_depth `minimumDepth`) → funding_created (verified) → funding_signed. */
  async acceptOpen(minimumDepth = 1): Promise<void> {
    const open = await this.expect('open_channel');
    this.temporaryChannelId = open.temporaryChannelId;
    const a = this.#announced();
    const acc = {
      name: 'accept_channel', temporaryChannelId: open.temporaryChannelId, dustLimitSatoshis: a.dustLimitSat, maxHtlcValueInFlightMsat: a.maxHtlcValueInFlightMsat,
      channelReserveSatoshis: open.fundingSatoshis / 100n, htlcMinimumMsat: a.htlcMinimumMsat, minimumDepth, toSelfDelay: a.toSelfDelay, maxAcceptedHtlcs: a.maxAcceptedHtlcs,
      fundingPubkey: a.fundingPubkey, revocationBasepoint: a.basepoints.revocationBasepoint, paymentBasepoint: a.basepoints.paymentBasepoint,
      delayedPaymentBasepoint: a.basepoints.delayedPaymentBasepoint, htlcBasepoint: a.basepoints.htlcBasepoint, firstPerCommitmentPoint: a.firstPerCommitmentPoint,
      tlvs: open.tlvs.channelType === undefined ? {} : { channelType: open.tlvs.channelType },
    } as Named<'accept_channel'>;
    this.send(acc);
    const params = this.#params(open, acc, false);
    const created = await this.expect('funding_created');
    let c = ok(initialCommitments({ params, fundingTxid: created.fundingTxid, fundingVout: created.fundingOutputIndex, feeratePerKw: open.feeratePerKw })).commitments;
    c = ok(receiveInitialSignature(c, created.signature)).commitments;
    this.send({ name: 'funding_signed', channelId: c.channelId, signature: signRemoteCommitment(c, this.secrets).signature, tlvs: {} } as Named<'funding_signed'>);
    this.c = c;
  }

  #params(open: Named<'open_channel'>, acc: Named<'accept_channel'>, weAreFunder: boolean): ChannelParams {
    const fromOpen: AnnouncedConfig = {
      dustLimitSat: open.dustLimitSatoshis, maxHtlcValueInFlightMsat: open.maxHtlcValueInFlightMsat, channelReserveSat: open.channelReserveSatoshis,
      htlcMinimumMsat: open.htlcMinimumMsat, toSelfDelay: open.toSelfDelay, maxAcceptedHtlcs: open.maxAcceptedHtlcs, fundingPubkey: open.fundingPubkey,
      basepoints: { revocationBasepoint: open.revocationBasepoint, paymentBasepoint: open.paymentBasepoint, delayedPaymentBasepoint: open.delayedPaymentBasepoint, htlcBasepoint: open.htlcBasepoint },
      firstPerCommitmentPoint: open.firstPerCommitmentPoint,
    };
    const fromAccept: AnnouncedConfig = {
      dustLimitSat: acc.dustLimitSatoshis, maxHtlcValueInFlightMsat: acc.maxHtlcValueInFlightMsat, channelReserveSat: acc.channelReserveSatoshis,
      htlcMinimumMsat: acc.htlcMinimumMsat, toSelfDelay: acc.toSelfDelay, maxAcceptedHtlcs: acc.maxAcceptedHtlcs, fundingPubkey: acc.fundingPubkey,
      basepoints: { revocationBasepoint: acc.revocationBasepoint, paymentBasepoint: acc.paymentBasepoint, delayedPaymentBasepoint: acc.delayedPaymentBasepoint, htlcBasepoint: acc.htlcBasepoint },
      firstPerCommitmentPoint: acc.firstPerCommitmentPoint,
    };
    return {
      chainHash: REGTEST, format: 'staticRemoteKey', weAreFunder, fundingSat: open.fundingSatoshis, pushMsat: open.pushMsat, announce: (open.channelFlags & 1) === 1,
      minimumDepth: acc.minimumDepth, local: weAreFunder ? fromOpen : fromAccept, remote: weAreFunder ? fromAccept : fromOpen, remoteNodeId: this.backendNodeId, keyIndex: 0n,
    };
  }

  /** Sends our channel_ready and waits for the backend's (either order). */
  async exchangeChannelReady(): Promise<void> {
    this.send({ name: 'channel_ready', channelId: this.channelId, secondPerCommitmentPoint: channelReadyPoint(this.secrets), tlvs: {} } as Named<'channel_ready'>);
    const theirs = await this.expect('channel_ready', ['announcement_signatures']);
    this.c = ok(receiveChannelReady(this.c!, theirs.secondPerCommitmentPoint)).commitments;
  }

  // ── updates ──

  /** update_add_htlc with an opaque random onion; returns the HTLC id. */
  addHtlc(amountMsat: bigint, paymentHash: Uint8Array, cltvExpiry = 500): bigint {
    const onionRoutingPacket = randomBytes(1366);
    const r = ok(sendAdd(this.c!, { amountMsat, paymentHash, cltvExpiry, onionRoutingPacket }));
    this.c = r.commitments;
    this.send({ name: 'update_add_htlc', channelId: this.channelId, id: r.add.id, amountMsat, paymentHash, cltvExpiry, onionRoutingPacket, tlvs: {} } as Named<'update_add_htlc'>);
    return r.add.id;
  }

  /** Fulfills an HTLC the backend offered us. */
  fulfill(id: bigint, preimage: Uint8Array): void {
    this.c = ok(sendFulfill(this.c!, id, preimage)).commitments;
    this.send({ name: 'update_fulfill_htlc', channelId: this.channelId, id, paymentPreimage: preimage, tlvs: {} } as Named<'update_fulfill_htlc'>);
  }

  /** Fails an HTLC the backend offered us (opaque reason). */
  fail(id: bigint, reason: Uint8Array = randomBytes(292)): void {
    this.c = ok(sendFail(this.c!, id, reason)).commitments;
    this.send({ name: 'update_fail_htlc', channelId: this.channelId, id, reason, tlvs: {} } as Named<'update_fail_htlc'>);
  }

  /** commitment_signed for what we proposed. */
  sendCommit(): void {
    const r = ok(sendCommit(this.c!, this.secrets));
    this.c = r.commitments;
    this.send({ name: 'commitment_signed', channelId: this.channelId, signature: r.commitmentSigned.signature, htlcSignature: [...r.commitmentSigned.htlcSignatures], tlvs: {} } as Named<'commitment_signed'>);
  }

  /** The backend's revoke_and_ack of our commitment_signed. */
  async receiveRevoke(): Promise<void> {
    const m = await this.expect('revoke_and_ack');
    this.c = ok(receiveRevoke(this.c!, { perCommitmentSecret: m.perCommitmentSecret, nextPerCommitmentPoint: m.nextPerCommitmentPoint })).commitments;
  }

  /** The backend's commitment_signed (verified), answered with our revoke_and_ack. */
  async receiveCommitAndRevoke(): Promise<void> {
    const m = await this.expect('commitment_signed');
    const r = ok(receiveCommit(this.c!, { signature: m.signature, htlcSignatures: m.htlcSignature }, this.secrets));
    this.c = r.commitments;
    this.send({ name: 'revoke_and_ack', channelId: this.channelId, perCommitmentSecret: r.revokeAndAck.perCommitmentSecret, nextPerCommitmentPoint: r.revokeAndAck.nextPerCommitmentPoint, tlvs: {} } as Named<'revoke_and_ack'>);
  }

  /** The whole dance after our updates: commitment_signed → revoke_and_ack, their commitment_signed → our revoke_and_ack. */
  async signAndSettle(): Promise<void> {
    this.sendCommit();
    await this.receiveRevoke();
    await this.receiveCommitAndRevoke();
  }

  /** An update the backend sends (update_add_htlc, update_fulfill_htlc, update_fail_htlc), applied to our ledger. */
  async receiveUpdate(): Promise<Update> {
    const deadline = Date.now() + EXPECT_TIMEOUT_MS;
    for (;;) {
      const raw = this.conn.messages[this.#cursor];
      if (raw === undefined) {
        if (Date.now() > deadline || this.conn.isClosed) assert.fail('no update from the backend');
        await this.#waitData();
        continue;
      }
      this.#cursor++;
      const m = decodeMessage(raw);
      switch (m.name) {
        case 'update_add_htlc': {
          const add = { id: m.id, amountMsat: m.amountMsat, paymentHash: m.paymentHash, cltvExpiry: m.cltvExpiry, onionRoutingPacket: m.onionRoutingPacket };
          this.c = ok(receiveAdd(this.c!, add)).commitments;
          return { kind: 'add', htlc: add };
        }
        case 'update_fulfill_htlc':
          this.c = ok(receiveFulfill(this.c!, m.id, m.paymentPreimage)).commitments;
          return { kind: 'fulfill', id: m.id, paymentPreimage: m.paymentPreimage };
        case 'update_fail_htlc':
          this.c = ok(receiveFail(this.c!, m.id, m.reason)).commitments;
          return { kind: 'fail', id: m.id, reason: m.reason };
        case 'ping':
          continue; // answered by #autoPong
        default:
          if (peekType(raw) >= 256) continue;
          assert.fail(`expected an update, got ${m.name}`);
      }
    }
  }

  /** channel_reestablish both ways; retransmits, in order, what our ledger says the backend missed. Returns how many. */
  async reestablish(): Promise<number> {
    const f = reestablishFields(this.c!, this.secrets);
    this.send({ name: 'channel_reestablish', channelId: this.channelId, ...f, tlvs: {} } as Named<'channel_reestablish'>);
    const theirs = await this.expect('channel_reestablish');
    const out = ok(onReestablish(this.c!, {
      nextCommitmentNumber: theirs.nextCommitmentNumber, nextRevocationNumber: theirs.nextRevocationNumber,
      yourLastPerCommitmentSecret: theirs.yourLastPerCommitmentSecret, myCurrentPerCommitmentPoint: theirs.myCurrentPerCommitmentPoint,
    }, this.secrets));
    this.c = out.commitments;
    const id = this.channelId;
    for (const r of out.retransmit) {
      switch (r.kind) {
        case 'update': this.send(updateMessage(id, r.update)); break;
        case 'commitmentSigned': this.send({ name: 'commitment_signed', channelId: id, signature: r.commitmentSigned.signature, htlcSignature: [...r.commitmentSigned.htlcSignatures], tlvs: {} } as Named<'commitment_signed'>); break;
        case 'revokeAndAck': this.send({ name: 'revoke_and_ack', channelId: id, ...r.revokeAndAck, tlvs: {} } as Named<'revoke_and_ack'>); break;
      }
    }
    return out.retransmit.length;
  }

  /**
   * Drives the commitment dance until nothing is pending on either side: signs our changes when allowed,
   * applies the backend's updates, commitment_signed (answered) and revoke_and_ack. Bounded in steps and time.
   */
  async converge(): Promise<void> {
    for (let i = 0; i < 50 && hasPendingChanges(this.c!); i++) {
      if (localHasChanges(this.c!) && this.c!.nextRemote.kind === 'ready') {
        this.sendCommit();
        continue;
      }
      const m = await this.#nextChannelMessage();
      switch (m.name) {
        case 'commitment_signed': {
          const r = ok(receiveCommit(this.c!, { signature: m.signature, htlcSignatures: m.htlcSignature }, this.secrets));
          this.c = r.commitments;
          this.send({ name: 'revoke_and_ack', channelId: this.channelId, ...r.revokeAndAck, tlvs: {} } as Named<'revoke_and_ack'>);
          break;
        }
        case 'revoke_and_ack':
          this.c = ok(receiveRevoke(this.c!, { perCommitmentSecret: m.perCommitmentSecret, nextPerCommitmentPoint: m.nextPerCommitmentPoint })).commitments;
          break;
        case 'update_add_htlc':
          this.c = ok(receiveAdd(this.c!, { id: m.id, amountMsat: m.amountMsat, paymentHash: m.paymentHash, cltvExpiry: m.cltvExpiry, onionRoutingPacket: m.onionRoutingPacket })).commitments;
          break;
        case 'update_fulfill_htlc':
          this.c = ok(receiveFulfill(this.c!, m.id, m.paymentPreimage)).commitments;
          break;
        case 'update_fail_htlc':
          this.c = ok(receiveFail(this.c!, m.id, m.reason)).commitments;
          break;
        default:
          break; // channel_ready retransmitted, announcement_signatures, …
      }
    }
    assert.ok(!hasPendingChanges(this.c!), 'the dance did not converge');
  }

  /** The next message of types 32-255 from the backend (pings are auto-answered, gossip skipped). */
  async #nextChannelMessage(): Promise<Message> {
    const deadline = Date.now() + EXPECT_TIMEOUT_MS;
    for (;;) {
      while (this.#cursor < this.conn.messages.length) {
        const raw = this.conn.messages[this.#cursor++]!;
        const t = peekType(raw);
        if (t >= 32 && t <= 255) return decodeMessage(raw);
        if (t === 17 || t === 1) {
          const m = decodeMessage(raw);
          if (m.name === 'error' || m.name === 'warning') assert.fail(`backend sent ${m.name}: ${new TextDecoder().decode(m.data)}`);
        }
      }
      if (this.conn.isClosed) assert.fail('connection closed during the dance');
      if (Date.now() > deadline) assert.fail(`no channel message within ${EXPECT_TIMEOUT_MS} ms`);
      await this.#waitData();
    }
  }

  /** Our and the backend's balances (msat) in our current commitment, HTLCs excluded. */
  balances(): { ours: bigint; theirs: bigint } {
    const b = balances(this.c!).localCommit;
    return { ours: b.ourMsat, theirs: b.theirMsat };
  }

  /** Closes the connection. */
  destroy(): void {
    this.conn.destroy();
  }
}

/** A payment preimage and its hash. */
export function preimagePair(): { preimage: Uint8Array; hash: Uint8Array } {
  const preimage = randomBytes(32);
  return { preimage, hash: createHash('sha256').update(preimage).digest() };
}

/** Encodes a message (for tests that send raw bytes, e.g. a corrupted signature). */
export function encode(m: Message): Uint8Array {
  return encodeMessage(m);
}

/** A well-formed `open_channel` from fresh keys (for refusal tests): `fundingSat` below the minimum is refused by policy. */
export function openChannelMessage(o: { temporaryChannelId: Uint8Array; fundingSat: bigint }): Uint8Array {
  const s = deriveChannelSecrets(randomBytes(32), 0n);
  const pub = channelPubkeys(s);
  return encodeMessage({
    name: 'open_channel', chainHash: REGTEST, temporaryChannelId: o.temporaryChannelId, fundingSatoshis: o.fundingSat, pushMsat: 0n,
    dustLimitSatoshis: 546n, maxHtlcValueInFlightMsat: 1_000_000_000n, channelReserveSatoshis: o.fundingSat / 100n, htlcMinimumMsat: 1000n,
    feeratePerKw: FEERATE, toSelfDelay: 144, maxAcceptedHtlcs: 30, fundingPubkey: pub.fundingPubkey, revocationBasepoint: pub.basepoints.revocationBasepoint,
    paymentBasepoint: pub.basepoints.paymentBasepoint, delayedPaymentBasepoint: pub.basepoints.delayedPaymentBasepoint, htlcBasepoint: pub.basepoints.htlcBasepoint,
    firstPerCommitmentPoint: localPerCommitmentPoint(s, 0), channelFlags: 0, tlvs: {},
  } as Message);
}
