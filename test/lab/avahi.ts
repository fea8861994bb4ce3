/**
 * avahi-daemon inside a lab namespace (a helper, not a test file), for the mDNS interop tests.
 *
 * avahi is built to be the one mDNS daemon of a machine, so it needs three private things:
 * - D-Bus: `avahi-browse` talks to avahi-daemon only over the system bus. We start a private
 *   `dbus-daemon` (system-type config, permissive policy, socket in the lab's temp dir) and point both
 *   at it with `DBUS_SYSTEM_BUS_ADDRESS=unix:path=…`; the machine's system bus is never used.
 * - /run/avahi-daemon (pid file and socket, compiled in): a tmpfs mounted inside the daemon's own
 *   mount namespace. `ip netns exec` already gives each command a private (slave) mount namespace, so
 *   the mounts vanish with the process and never reach the host.
 * - /etc/avahi (config and `services/`, compiled in): a bind mount of a temp directory there, with
 *   `host-name` set (namespaces share the kernel hostname, DESIGN §12), IPv4 only, `allow-interfaces=eth0`,
 *   no workstation/hinfo records, no wide-area.
 * It runs in the foreground with `--no-chroot --no-drop-root --no-rlimits` and logs to stderr.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { waitFor, type Lab, type LabHost } from '../helpers/netns.js';

/** Bound on avahi-daemon's start (it is ready in ~0.1 s; its host-name probe takes ~0.8 s). */
const AVAHI_START_MS = 8000;

/** True when the avahi and D-Bus binaries are installed. */
export function hasAvahi(): boolean {
  return ['/usr/sbin/avahi-daemon', '/usr/bin/avahi-browse', '/usr/bin/dbus-daemon'].every((p) => existsSync(p));
}

/** A running avahi-daemon and its private bus. */
export interface Avahi {
  /** `DBUS_SYSTEM_BUS_ADDRESS` for avahi clients (avahi-browse) in the same namespace. */
  readonly busAddress: string;
  readonly daemon: ChildProcess;
  /** avahi-daemon's stderr so far (for failure messages). */
  log(): string;
}

/** A DNS-SD static service file (avahi.service(5)) for `_lnfleet._tcp`. */
export function lnfleetServiceFile(name: string, port: number, txt: readonly string[]): string {
  return [
    '<?xml version="1.0" standalone="no"?>',
    '<!DOCTYPE service-group SYSTEM "avahi-service.dtd">',
    '<service-group>',
    `  <name>${name}</name>`,
    '  <service>',
    '    <type>_lnfleet._tcp</type>',
    `    <port>${port}</port>`,
    ...txt.map((t) => `    <txt-record>${t}</txt-record>`),
    '  </service>',
    '</service-group>',
    '',
  ].join('\n');
}

/** Starts dbus-daemon and avahi-daemon in `host` (host name `hostName`), with optional service files. */
export async function startAvahi(lab: Lab, host: LabHost, hostName: string, services: Record<string, string> = {}): Promise<Avahi> {
  const dir = join(lab.dir, `avahi-${host.name}`);
  const etc = join(dir, 'etc-avahi');
  mkdirSync(join(etc, 'services'), { recursive: true });
  const bus = join(dir, 'bus');
  writeFileSync(join(dir, 'bus.conf'), [
    '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">',
    `<busconfig><type>system</type><listen>unix:path=${bus}</listen><auth>EXTERNAL</auth>`,
    '<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/></policy>',
    '</busconfig>', '',
  ].join('\n'));
  writeFileSync(join(etc, 'avahi-daemon.conf'), [
    '[server]', `host-name=${hostName}`, 'use-ipv4=yes', 'use-ipv6=no', 'allow-interfaces=eth0', 'enable-dbus=yes',
    '[wide-area]', 'enable-wide-area=no',
    '[publish]', 'publish-workstation=no', 'publish-hinfo=no', 'publish-aaaa-on-ipv4=no', '',
  ].join('\n'));
  for (const [file, text] of Object.entries(services)) writeFileSync(join(etc, 'services', file), text);
  const busAddress = `unix:path=${bus}`;
  lab.spawn(host, ['dbus-daemon', `--config-file=${join(dir, 'bus.conf')}`, '--nofork', '--nopidfile']);
  if (!(await waitFor(() => existsSync(bus), 3000))) throw new Error('private dbus-daemon did not create its socket');
  const script = [
    'mkdir -p /run/avahi-daemon',
    'mount -t tmpfs tmpfs /run/avahi-daemon',
    `mount --bind ${etc} /etc/avahi`,
    'exec avahi-daemon --no-chroot --no-drop-root --no-rlimits -f /etc/avahi/avahi-daemon.conf',
  ].join(' && ');
  const daemon = lab.spawn(host, ['env', `DBUS_SYSTEM_BUS_ADDRESS=${busAddress}`, 'sh', '-c', script]);
  let log = '';
  daemon.stderr?.on('data', (d: Buffer) => { log += d.toString(); });
  daemon.stdout?.on('data', (d: Buffer) => { log += d.toString(); });
  if (!(await waitFor(() => log.includes('Server startup complete'), AVAHI_START_MS))) {
    throw new Error(`avahi-daemon did not start: ${log.slice(-800)}`);
  }
  return { busAddress, daemon, log: () => log };
}

/** One resolved line of `avahi-browse -p` (`=;iface;proto;name;type;domain;host;address;port;"txt" …`). */
export interface AvahiResolved {
  readonly name: string;
  readonly host: string;
  readonly address: string;
  readonly port: number;
  readonly txt: string[];
}

/** Parses `avahi-browse -rpt` output (resolved lines only). */
export function parseAvahiBrowse(stdout: string): AvahiResolved[] {
  return stdout.split('\n').filter((l) => l.startsWith('=;')).map((l) => {
    const f = l.split(';');
    const txt = [...(f.slice(9).join(';').matchAll(/"([^"]*)"/g))].map((m) => m[1] ?? '');
    return { name: f[3] ?? '', host: f[6] ?? '', address: f[7] ?? '', port: Number(f[8]), txt };
  });
}
