/**
 * @module cli/firstboot
 * `lnfleet board firstboot --bundle F [--root R] [--keep-bundle]`: applies a board bundle on the
 * board's first boot (see `provision/firstboot` for every step). `systemd/lnfleet-firstboot.service`
 * runs it as `board firstboot --bundle /boot/firmware/lnfleet-bundle.tar` (root "/"); tests and image
 * builders pass `--root` to apply it to a directory tree instead.
 *
 * Exit codes: 0 applied; 1 invalid bundle or apply error (nothing is marked done, so the next boot
 * tries again); 2 usage. Output names files and modes only, never key material.
 *
 * Does not: start services or call systemctl (the unit's ordering starts them after this oneshot).
 */
import { applyFirstboot } from '../provision/firstboot.js';
import { ProvisionError } from '../provision/errors.js';
import { FIRSTBOOT_BUNDLE } from '../deploy/constants.js';
import { CliUsageError, parseArgs, type CliIo } from './command.js';

/** Usage line, appended to `lnfleet board`'s usage. */
export const FIRSTBOOT_USAGE = `       lnfleet board firstboot [--bundle F] [--root R] [--keep-bundle]

  firstboot   apply this board's provisioning bundle once (the image's first-boot unit runs it):
              --bundle F (default ${FIRSTBOOT_BUNDLE}), --root R (default /), --keep-bundle = do not shred it`;

/** Runs `board firstboot ARGS`; `now` is injectable for tests. */
export async function runFirstboot(args: readonly string[], io: CliIo, now: () => Date = () => new Date()): Promise<number> {
  const parsed = parseArgs(args, { options: ['bundle', 'root'], flags: ['keep-bundle'] });
  if (parsed.positionals.length > 0) throw new CliUsageError(`unexpected argument ${parsed.positionals[0]}`);
  try {
    applyFirstboot({
      bundlePath: parsed.options.get('bundle') ?? FIRSTBOOT_BUNDLE,
      root: parsed.options.get('root') ?? '/',
      keepBundle: parsed.flags.has('keep-bundle'),
      now: now(),
      log: (l) => io.out(l),
    });
    return 0;
  } catch (e) {
    if (!(e instanceof ProvisionError)) throw e;
    io.err(`lnfleet board firstboot: [${e.code}] ${e.message}`);
    return 1;
  }
}
