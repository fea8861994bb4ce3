/**
 * The notify hook with no front to answer: `lnfleet board vrrp-state FAULT` still exits 1 (keepalived
 * logs it) but first shows the `fault` row on the configured pins through the GPIO provider (fake here;
 * the lab runs the real onoff against a fake sysfs), honouring `board.gpio.active-low` for LEDs only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { makeBoardCommand } from '../../src/cli/board.js';
import { FakeGpioProvider } from '../../src/board/index.js';

async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

for (const activeLow of [false, true]) {
  test(`vrrp-state with the front gone: fault LED on, others off, status low (active-low ${activeLow})`, async () => {
    const gpio = new FakeGpioProvider();
    const err: string[] = [];
    const env = {
      LNFLEET_CONF: `board.gpio.enabled=true;board.gpio.led-ok=17;board.gpio.led-warn=27;board.gpio.led-fault=22;board.gpio.status-pin=23;board.gpio.active-low=${activeLow}`,
    };
    const cmd = makeBoardCommand({ env: () => env, gpio });
    const code = await cmd.run(['vrrp-state', 'FAULT', '--health', `http://127.0.0.1:${await deadPort()}`, '--file', '/dev/null'], { out: () => {}, err: (l) => err.push(l) });
    assert.equal(code, 1);
    const on = activeLow ? 0 : 1;
    assert.deepEqual([17, 27, 22, 23].map((p) => gpio.value(p)), [1 - on, 1 - on, on, 0]);
    assert.deepEqual(gpio.openPins, [17, 22, 23, 27], 'pins stay exported so the levels hold');
    assert.ok(err.some((l) => /showing fault on GPIO/.test(l)), err.join('\n'));
  });
}

test('vrrp-state with the front gone and no GPIO configured: exits 1, touches nothing', async () => {
  const gpio = new FakeGpioProvider();
  const cmd = makeBoardCommand({ env: () => ({}), gpio });
  const code = await cmd.run(['vrrp-state', 'BACKUP', '--health', `http://127.0.0.1:${await deadPort()}`, '--file', '/dev/null'], { out: () => {}, err: () => {} });
  assert.equal(code, 1);
  assert.deepEqual(gpio.writes, []);
});
