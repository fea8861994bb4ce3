/**
 * @module cli/selftest
 * `lnfleet selftest`: says which secp256k1 engine and AEAD are active (and why), and checks them and
 * every other available engine against known vectors (BOLT 8 Appendix A, RFC 8439 §2.8.2, a fixed
 * RFC 6979 signature). Exit 0 when the active engine passes; 1 otherwise.
 *
 * Does not: touch the network, the node key or any config file.
 */
import { AUTO_ORDER, engineReport, loadEngine, selectEngine, selfCheck, type EnginePreference, type SelfCheckResult } from '../crypto/index.js';
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
    'runs and why, then checks it and every other engine that loads against known vectors.',
    'Exit status: 0 if the active engine and the AEAD pass, 1 if not.',
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
    if (parsed.flags.has('json')) {
      io.out(JSON.stringify({ active, others }, null, 2));
      return active.ok ? 0 : 1;
    }
    io.out(`secp256k1 engine: ${engine.name} (${engineReport().reason})`);
    io.out(`AEAD: chacha20-poly1305 via ${active.aead}`);
    printResult(io, 'active engine', active);
    for (const o of others) {
      if ('result' in o && o.result) printResult(io, 'also available', o.result);
      else io.out(`not available: ${o.name} (${'error' in o ? o.error : ''})`);
    }
    io.out(active.ok ? 'selftest passed' : 'selftest FAILED');
    return active.ok ? 0 : 1;
  },
};
