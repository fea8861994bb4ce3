/**
 * Small programs the lab tests start inside network namespaces (a helper, not a test file): Node can
 * not switch namespaces itself, so the test runs `ip netns exec NS node dist/test/lab/agents.js CMD`.
 * Every agent writes JSON lines on stdout and ends by itself within a bounded time.
 *
 *   advertise JSON     advertiseBackend(JSON); prints {"ready":true}; goodbye + exit on SIGTERM/SIGINT
 *   browse JSON        browseBackends(JSON); prints the array, exits
 *   listen PORT…       TCP listeners that write "ok" and close (firewall tests); exit after 60 s
 *   connect HOST PORT TIMEOUT_MS
 *                      one connect attempt; prints {"ok":…,"data"|"error":…}
 *   handshakes HOST PORT NODE_ID MAX_MS
 *                      a BOLT 8 handshake expecting NODE_ID as the responder's static key, then init
 *                      (regtest), one starting every 50 ms (each bounded by 1.5 s); prints every attempt as
 *                      {"s":start ms,"e":end ms,"ok":…,"error"?:…}; exits after MAX_MS
 *   probe HOST PORT MAX_MS
 *                      connects every 10 ms (100 ms timeout each); prints {"t":epoch ms,"ok":…,"name":…}
 *                      whenever the outcome changes (who answers, or failure); exits after MAX_MS
 */
import { readlinkSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { HOST_NETNS_ENV } from '../helpers/netns.js';

const out = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');
/** Every agent dies after this long at most (ms), whatever the test does. */
const AGENT_MAX_LIFETIME_MS = 120_000;
/** Bound of one handshake attempt (ms): ~10 ms on an idle host, but CI hosts run loaded (the front asks
 * the backend for the ECDH over the link), and a failover is timed by the first attempt that *starts*
 * after the kill, so a generous bound does not inflate the measurement. */
const HANDSHAKE_ATTEMPT_MS = 1500;
/** Cadence of handshake attempts (ms): the resolution of a measured failover, at ~20 handshakes/s. */
const HANDSHAKE_EVERY_MS = 50;
setTimeout(() => process.exit(3), AGENT_MAX_LIFETIME_MS).unref();

function tryConnect(host: string, port: number, timeoutMs: number): Promise<{ ok: boolean; data?: string; error?: string }> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    let data = '';
    const done = (r: { ok: boolean; data?: string; error?: string }) => { clearTimeout(t); s.destroy(); resolve(r); };
    const t = setTimeout(() => done({ ok: false, error: 'timeout' }), timeoutMs);
    s.on('data', (d) => { data += d.toString(); });
    s.on('end', () => done({ ok: true, data }));
    s.on('error', (e: NodeJS.ErrnoException) => done({ ok: false, error: e.code ?? e.message }));
  });
}

/** Safety net: agents send multicast and open ports, so they refuse to run in the root namespace. */
function assertInLabNamespace(): void {
  // The test process (in the root namespace) exports its namespace id; /proc/1 may be unreadable.
  const host = process.env[HOST_NETNS_ENV];
  if (host === undefined || readlinkSync('/proc/self/ns/net') === host) {
    process.stderr.write('agents run only inside a lab network namespace (ip netns exec)\n');
    process.exit(4);
  }
}

async function main(argv: string[]): Promise<void> {
  assertInLabNamespace();
  const [cmd, ...a] = argv;
  switch (cmd) {
    case 'advertise': {
      const { advertiseBackend } = await import('../../src/discovery/index.js');
      const adv = advertiseBackend(JSON.parse(a[0] ?? '{}'));
      await adv.ready;
      out({ ready: true });
      const stop = async () => { await adv.close(); out({ closed: true }); process.exit(0); };
      process.on('SIGTERM', () => void stop());
      process.on('SIGINT', () => void stop());
      setInterval(() => undefined, 1000);
      return;
    }
    case 'browse': {
      // Imported lazily: the firewall and VRRP agents start faster without pino and multicast-dns.
      const { browseBackends } = await import('../../src/discovery/index.js');
      out(await browseBackends(JSON.parse(a[0] ?? '{}')));
      return;
    }
    case 'listen':
      await Promise.all(a.map((p) => new Promise<void>((r) => createServer((s) => s.end('ok')).listen(Number(p), '0.0.0.0', r))));
      out({ ready: true });
      setTimeout(() => process.exit(0), 60_000);
      return;
    case 'connect':
      out(await tryConnect(a[0] ?? '', Number(a[1]), Number(a[2] ?? 1000)));
      return;
    case 'handshakes': {
      // Attempts start on a fixed cadence, not one after another: an attempt stuck on a dead holder
      // (a SYN nobody answers) must not delay the attempt that finds the new one.
      const [host = '', port = '9735', nodeId = '', maxMs = '30000'] = a;
      const { dialPeer } = await import('../front/test-peer.js');
      const { newKey } = await import('../front/helpers.js');
      const attempt = async (): Promise<void> => {
        const s = Date.now();
        let peer: Awaited<ReturnType<typeof dialPeer>> | undefined;
        const timeout = new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), HANDSHAKE_ATTEMPT_MS).unref());
        const run = (async () => {
          peer = await dialPeer(Number(port), Buffer.from(nodeId, 'hex'), newKey(), host);
          return peer.exchangeInit();
        })();
        run.catch(() => undefined);
        try {
          const init = await Promise.race([run, timeout]);
          out({ s, e: Date.now(), ok: init.name === 'init' });
        } catch (e) {
          out({ s, e: Date.now(), ok: false, error: (e as Error).message });
        }
        peer?.socket.destroy();
      };
      const end = Date.now() + Number(maxMs);
      const inFlight = new Set<Promise<void>>();
      do {
        const p = attempt().finally(() => inFlight.delete(p));
        inFlight.add(p);
        await new Promise((res) => setTimeout(res, HANDSHAKE_EVERY_MS));
      } while (Date.now() < end);
      await Promise.all(inFlight);
      process.exit(0);
      return;
    }
    case 'probe': {
      const [host = '', port = '9735', maxMs = '30000'] = a;
      const end = Date.now() + Number(maxMs);
      let last = '';
      while (Date.now() < end) {
        const r = await tryConnect(host, Number(port), 100);
        const key = r.ok ? `ok:${r.data}` : 'fail';
        if (key !== last) { last = key; out({ t: Date.now(), ok: r.ok, name: r.ok ? r.data : r.error }); }
        await new Promise((res) => setTimeout(res, 10));
      }
      return;
    }
    default:
      process.stderr.write(`unknown agent command ${JSON.stringify(cmd)}\n`);
      process.exit(2);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => { process.stderr.write(String(e) + '\n'); process.exit(1); });
