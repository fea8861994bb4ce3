/**
 * @module cli/board
 * `lnfleet board vrrp-state MASTER|BACKUP|FAULT [--health URL] [--file F]`: keepalived's notify hook
 * (the line `src/deploy/keepalived.ts` generates). It POSTs the role to the running front's
 * `front.health-listen` endpoint at `/vrrp`, which drives the LEDs. If the front is not running it
 * shows `fault` on the pins itself (`board/fallback.ts`, when `board.gpio.enabled`) and exits 1 with a
 * message saying so (keepalived logs it; VRRP itself is unaffected).
 *
 * `lnfleet board status [--file F] [--json]`: takes one health sample on this host, judges it against
 * the configured thresholds and prints it with the LED/status-pin state table.
 *
 * `lnfleet board firstboot …`: applies the board's provisioning bundle (see `cli/firstboot.ts`).
 *
 * Does not: open GPIO while the front answers (only the front drives the pins then, so two processes
 * never fight over them).
 */
import { ConfigError, formatProblem, type LoadedConfig } from '../config/index.js';
import { DEFAULT_FRONT_CONFIG, readBoardConfig } from '../board/config.js';
import { BoardError } from '../board/errors.js';
import { HealthMonitor, systemHealthSource, thresholdsFromConfig, type HealthReport, type HealthSource, type HealthThresholds } from '../board/health.js';
import { STATE_PRIORITY, STATE_TABLE, describeStateTable } from '../board/states.js';
import { VRRP_PATH } from '../board/constants.js';
import { parseVrrpRole, postVrrpState, vrrpUrl } from '../board/vrrp.js';
import { showFaultWithoutFront } from '../board/fallback.js';
import { createGpioProvider, type GpioProvider } from '../board/indicator.js';
import { CliUsageError, parseArgs, type CliIo, type Command } from './command.js';
import { FIRSTBOOT_USAGE, runFirstboot } from './firstboot.js';

const USAGE = `usage: lnfleet board vrrp-state MASTER|BACKUP|FAULT [--health URL] [--file F]
       lnfleet board status [--file F] [--json]
${FIRSTBOOT_USAGE}

  vrrp-state  tell the running front keepalived's new role (keepalived's notify hook calls this);
              exits 1 if the front does not answer
  status      sample this board's health once and print it with the LED state table

  --health URL  the front's health endpoint (default: http://<front.health-listen>${VRRP_PATH})
  --file F      front config file to read front.health-listen and board.health.* from
                (default ${DEFAULT_FRONT_CONFIG} when it exists; LNFLEET_CONF applies too)
  --json        machine-readable output (status)`;

/** Dependencies, injectable for tests. */
export interface BoardCommandDeps {
  readonly env?: () => Readonly<Record<string, string | undefined>>;
  /** Health source of `status` (default: `systemHealthSource`, read from sysfs/procfs). */
  readonly healthSource?: HealthSource;
  /** GPIO of the no-front fallback (default: onoff when `board.gpio.enabled`, else dark). */
  readonly gpio?: GpioProvider;
}

/** The board keys of the front config (only those: see `board/config.ts` for why). */
function frontConfig(deps: BoardCommandDeps, file: string | undefined): Pick<LoadedConfig, 'get'> {
  return readBoardConfig({ env: (deps.env ?? (() => process.env))(), file });
}

/** `--health` value → the `/vrrp` URL: a bare origin gets the path appended. */
function healthUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliUsageError(`--health must be a URL such as http://127.0.0.1:9736, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliUsageError('--health must be an http(s) URL');
  if (url.pathname === '/' || url.pathname === '') url.pathname = VRRP_PATH;
  return url.toString();
}

async function vrrpState(args: readonly string[], deps: BoardCommandDeps, io: CliIo): Promise<number> {
  const parsed = parseArgs(args, { options: ['health', 'file'] });
  if (parsed.positionals.length !== 1) throw new CliUsageError('vrrp-state needs exactly one role: MASTER, BACKUP or FAULT');
  const role = parseVrrpRole(parsed.positionals[0]!);
  if (role === null) throw new CliUsageError(`unknown VRRP role ${JSON.stringify(parsed.positionals[0])}: use MASTER, BACKUP or FAULT`);
  const health = parsed.options.get('health');
  const config = frontConfig(deps, parsed.options.get('file'));
  const url = health !== undefined ? healthUrl(health) : vrrpUrl(config.get('front.health-listen'));
  try {
    await postVrrpState(url, role);
  } catch (e) {
    if (e instanceof BoardError && e.code === 'BOARD_FRONT_UNREACHABLE') {
      const warn = (o: object, m: string) => io.err(`${m} ${JSON.stringify(o)}`);
      const provider = deps.gpio ?? createGpioProvider(config.get('board.gpio.enabled'), { warn, info: () => {} });
      const pins = await showFaultWithoutFront(config, provider);
      if (pins.length > 0) io.err(`the front is not running: showing fault on GPIO ${pins.join(', ')}`);
    }
    throw e;
  }
  io.out(`front at ${url} now shows VRRP ${role}`);
  return 0;
}

function formatReport(r: HealthReport, t: HealthThresholds): string[] {
  const s = r.sample;
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  return [
    `health: ${r.ok ? 'ok' : 'degraded'}${r.overTemperature ? ' (over temperature)' : ''}`,
    `  cpu temperature  ${s.cpuTempC === null ? 'unknown (no sensor on this host)' : `${s.cpuTempC.toFixed(1)} °C`}  (limit ${t.maxCpuTempC} °C)`,
    `  load (1 min)     ${s.load1.toFixed(2)} on ${s.cpus} CPU${s.cpus === 1 ? '' : 's'} = ${(s.load1 / Math.max(1, s.cpus)).toFixed(2)} per CPU  (limit ${t.maxLoadPerCpu})`,
    `  memory used      ${pct(s.memUsedRatio)}  (limit ${t.maxMemPercent} %)`,
    `  disk / used      ${s.diskUsedRatio === null ? 'unknown' : pct(s.diskUsedRatio)}  (limit ${t.maxDiskPercent} %)`,
    ...r.degraded.map((d) => `  degraded: ${d}`),
  ];
}

async function status(args: readonly string[], deps: BoardCommandDeps, io: CliIo): Promise<number> {
  const parsed = parseArgs(args, { options: ['file'], flags: ['json'] });
  if (parsed.positionals.length > 0) throw new CliUsageError(`unexpected argument ${parsed.positionals[0]}`);
  const config = frontConfig(deps, parsed.options.get('file'));
  const thresholds = thresholdsFromConfig(config);
  const monitor = new HealthMonitor({
    thresholds, intervalMs: config.get('board.health.interval-ms'), source: deps.healthSource ?? systemHealthSource(),
  });
  const report = await monitor.sampleNow();
  if (parsed.flags.has('json')) {
    io.out(JSON.stringify({ health: report, thresholds, priority: STATE_PRIORITY, states: STATE_TABLE }, null, 2));
  } else {
    io.out([...formatReport(report, thresholds), '', 'LED states (highest priority first):', describeStateTable()].join('\n'));
  }
  return 0;
}

/** Builds the command; dependencies are injectable for tests. */
export function makeBoardCommand(deps: BoardCommandDeps = {}): Command {
  return {
    name: 'board',
    summary: 'board LEDs and health: VRRP notify hook, health status',
    usage: USAGE,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const [sub, ...rest] = args;
      if (sub === undefined || sub === '--help') {
        io.out(USAGE);
        return sub === undefined ? 2 : 0;
      }
      try {
        if (sub === 'vrrp-state') return await vrrpState(rest, deps, io);
        if (sub === 'status') return await status(rest, deps, io);
        if (sub === 'firstboot') return await runFirstboot(rest, io);
      } catch (e) {
        if (e instanceof BoardError) {
          io.err(`lnfleet board ${sub}: [${e.code}] ${e.message}`);
          return 1;
        }
        if (e instanceof ConfigError) {
          io.err(`lnfleet board ${sub}: the front configuration is invalid:`);
          for (const p of e.problems) io.err(`  [${p.code}] ${formatProblem(p)}`);
          return 1;
        }
        throw e;
      }
      throw new CliUsageError(`unknown board subcommand ${sub}`);
    },
  };
}

/** `lnfleet board`, for `cli/main.ts` to register. */
export const boardCommand: Command = makeBoardCommand();
