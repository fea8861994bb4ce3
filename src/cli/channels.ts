/**
 * @module cli/channels
 * Channel commands, HTTP clients of the backend API (src/back/api.ts):
 *  - `lnfleet open <nodeid> <sats> [--push-msat N] [--private]`: open a channel to a connected peer, funded
 *    from the backend's bitcoind wallet; prints the channel id and funding outpoint once broadcast;
 *  - `lnfleet close <channel> [--force]`: mutual close (or unilateral with `--force`) by local id or channel_id;
 *  - `lnfleet channels`: every channel with its phase, capacity and balances.
 * Errors come back from the API with a code and what to do (no wallet, no front, peer not connected,
 * insufficient funds).
 *
 * Does not: import `src/back` (it talks HTTP only).
 */
import { CliUsageError, type CliIo, type Command } from './command.js';
import { callApi, makeCommand, type Env } from './api-client.js';

interface ChannelJson {
  id: number; channelId?: string; temporaryChannelId: string; peer: string; phase: string; funder: boolean; peerConnected: boolean;
  capacitySat?: string; localMsat?: string; remoteMsat?: string; funding?: { txid: string; vout: number }; shortChannelId?: string; fault?: string; closedReason?: string;
  onchain?: { phase: string; closingTxid?: string; spend?: string; closingHeight?: number; outputs?: { role: string; status: string }[]; warnings: string[] };
}

const POSITIVE_INT = /^[1-9][0-9]{0,15}$/;

function printChannel(c: ChannelJson, io: CliIo): void {
  const bal = c.localMsat === undefined ? '' : `  local ${BigInt(c.localMsat) / 1000n} sat / remote ${BigInt(c.remoteMsat ?? '0') / 1000n} sat`;
  io.out(`#${c.id}  ${c.channelId ?? `(temporary ${c.temporaryChannelId.slice(0, 16)}…)`}  ${c.phase}`);
  io.out(`    peer ${c.peer}${c.peerConnected ? '' : ' (not connected)'}  ${c.funder ? 'we funded' : 'they funded'}${c.capacitySat === undefined ? '' : `  ${c.capacitySat} sat`}${bal}`);
  if (c.funding !== undefined) io.out(`    funding ${c.funding.txid}:${c.funding.vout}${c.shortChannelId === undefined ? '' : `  scid ${c.shortChannelId}`}`);
  if (c.fault !== undefined) io.out(`    FAULT: ${c.fault}`);
  if (c.closedReason !== undefined) io.out(`    closed: ${c.closedReason}`);
  const o = c.onchain;
  if (o !== undefined && o.phase !== 'watching') {
    const outs = (o.outputs ?? []).map((x) => `${x.role} ${x.status}`).join(', ');
    io.out(`    on chain: ${o.phase} ${o.spend ?? ''} ${o.closingTxid ?? ''}${o.closingHeight === undefined ? ' (unconfirmed)' : ` @${o.closingHeight}`}${outs === '' ? '' : `; ${outs}`}`);
  }
  for (const w of o?.warnings ?? []) io.out(`    ON-CHAIN WARNING: ${w}`);
}

/** Builders with injectable env (tests). */
export function makeChannelCommands(deps: { env?: () => Env } = {}): { open: Command; close: Command; channels: Command } {
  return {
    open: makeCommand({
      name: 'open', summary: 'open a channel to a connected peer, funded from the backend wallet',
      usage: 'usage: lnfleet open <nodeid> <sats> [--push-msat N] [--private] [--api URL] [--json]\n\n  --push-msat N   give the peer N millisatoshis at open\n  --private       do not announce the channel',
      positionals: 2, flags: ['private'], options: ['push-msat'],
      call: (base, env, [nodeId, sats], flags, options) => {
        if (!POSITIVE_INT.test(sats!)) throw new CliUsageError(`<sats> must be a positive whole number of satoshis, not ${sats}`);
        const push = options.get('push-msat');
        if (push !== undefined && !/^(0|[1-9][0-9]{0,18})$/.test(push)) throw new CliUsageError('--push-msat must be a whole number of millisatoshis');
        return callApi(base, 'POST', 'open', env, { nodeId, sats: sats!, ...(push === undefined ? {} : { pushMsat: push }), announce: !flags.has('private') });
      },
      print(r, io) {
        const o = r as { id: number; channelId?: string; fundingTxid?: string; fundingVout?: number };
        io.out(`channel #${o.id} opening: ${o.channelId ?? ''}`);
        if (o.fundingTxid !== undefined) io.out(`funding transaction ${o.fundingTxid}:${o.fundingVout ?? '?'} broadcast; the channel is ready after its confirmations (lnfleet channels)`);
      },
    }, deps),
    close: makeCommand({
      name: 'close', summary: 'close a channel (mutual, or unilateral with --force)',
      usage: 'usage: lnfleet close <channel> [--force] [--api URL] [--json]\n\n  <channel>  local id (#n in lnfleet channels) or the 64-hex channel_id\n  --force    close unilaterally (broadcast our commitment; funds wait out the CSV delay)',
      positionals: 1, flags: ['force'],
      call: (base, env, [channel], flags) => callApi(base, 'POST', 'close', env, { channel: channel!.replace(/^#/, ''), force: flags.has('force') }),
      print(r, io) { printChannel(r as ChannelJson, io); },
    }, deps),
    channels: makeCommand({
      name: 'channels', summary: 'list channels: phase, capacity, balances', usage: 'usage: lnfleet channels [--api URL] [--json]', positionals: 0,
      call: (base, env) => callApi(base, 'GET', 'channels', env),
      print(r, io) {
        const cs = r as ChannelJson[];
        if (cs.length === 0) io.out('no channels');
        for (const c of cs) printChannel(c, io);
      },
    }, deps),
  };
}

const commands = makeChannelCommands();
/** `lnfleet open <nodeid> <sats>`. */
export const openCommand: Command = commands.open;
/** `lnfleet close <channel> [--force]`. */
export const closeCommand: Command = commands.close;
/** `lnfleet channels`. */
export const channelsCommand: Command = commands.channels;
