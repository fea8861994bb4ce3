/**
 * @module cli/selftest
 * `lnfleet selftest`: says which secp256k1 engine and AEAD are active (and why), and checks them and
 * every other available engine against known vectors (BOLT 8 Appendix A, RFC 8439 §2.8.2, a fixed
 * RFC 6979 signature), and has a gossip verification thread (the worker file this build ships) judge
 * signatures with the active engine. Exit 0 when the active engine and the thread pass; 1 otherwise.
 *
 * Does not: touch the network, the node key or any config file.
 */
import { AUTO_ORDER, engineReport, loadEngine, selectEngine, selfCheck, type EnginePreference, type SelfCheckResult } from '../crypto/index.js';
import { checkVerifyThread } from '../gossip/verify-selfcheck.js';
import { createLogger } from '../log.js';
import { CliUsageError, parseArgs, type CliIo, type Command } from './command.js';

function printResult(io: CliIo, label: string, r: SelfCheckResult): void {
  io.out(`${label}: ${r.engine.name} — ${r.ok ? 'ok' : 'FAILED'}`);
  for (const c of r.checks) io.out(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}${c.detail ? ` (${c.detail})` : ''}`);
}

export const selftestCommand: Command = {
  name: 'selftest',
  summary: 'show the active crypto engines and check them against known vectors',
  usage: [
    'usage: lnfleet selftest [--engine auto|native|wasm|noble] [--json]',
    '',
    'Selects the secp256k1 engine (env LNFLEET_SECP256K1_ENGINE overrides --engine), prints which one',
    'runs and why, then checks it and every other engine that loads against known vectors, and has a',
    'gossip signature-verification thread (front.verify-threads) check signatures with it.',
    'Exit status: 0 if the active engine, the AEAD and the thread pass, 1 if not.',
  ].join('\n'),
  async run(args, io) {
    const parsed = parseArgs(args, { options: ['engine'], flags: ['json'] });
    if (parsed.positionals.length > 0) throw new CliUsageError('selftest takes no positional arguments');
    const pref = parsed.options.get('engine') as EnginePreference | undefined;
    const engine = selectEngine(pref);
    const active = selfCheck(); // the active engine, with the report of why it was chosen
    const others = AUTO_ORDER.filter((n) => n !== engine.name).map((name) => {
      try {
        return { name, result: selfCheck(loadEngine(name)) };
      } catch (e) {
        return { name, error: e instanceof Error ? e.message : String(e) };
      }
    });
    const threadLog: string[] = [];
    const thread = await checkVerifyThread(engine, createLogger('selftest', 'warn', { write: (line: string) => { threadLog.push(line); } }));
    const ok = active.ok && thread.ok;
    if (parsed.flags.has('json')) {
      io.out(JSON.stringify({ active, others, verifyThread: thread }, null, 2));
      return ok ? 0 : 1;
    }
    io.out(`secp256k1 engine: ${engine.name} (${engineReport().reason})`);
    io.out(`AEAD: chacha20-poly1305 via ${active.aead}`);
    printResult(io, 'active engine', active);
    for (const o of others) {
      if ('result' in o && o.result) printResult(io, 'also available', o.result);
      else io.out(`not available: ${o.name} (${'error' in o ? o.error : ''})`);
    }
    io.out(`verification thread: ${thread.ok ? 'ok' : 'FAILED'}`);
    io.out(`  ${thread.ok ? 'ok  ' : 'FAIL'} ${thread.name}${thread.detail ? ` (${thread.detail})` : ''}`);
    if (!thread.ok) for (const l of threadLog) io.out(`  log: ${l.trim()}`);
    io.out(ok ? 'selftest passed' : 'selftest FAILED');
    return ok ? 0 : 1;
  },
};
