/** `DirectionTypeCounter`: counts kept as plain numbers, labelled only when the registry is scraped. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { DirectionTypeCounter } from '../src/hot-counter.js';

test('counts per direction and key, keys sharing a label add up, and a second scrape does not double them', async () => {
  const registry = new Registry();
  const c = new DirectionTypeCounter<number>(registry, 'x_messages_total', 'test', (k) => (k < 100 ? `t${k}` : 'unknown_odd'));
  c.inc('in', 18);
  c.inc('in', 18);
  c.inc('out', 18);
  c.inc('in', 32769);
  c.inc('in', 32771);
  for (let scrape = 0; scrape < 2; scrape++) {
    const text = await registry.metrics();
    assert.match(text, /^x_messages_total\{direction="in",type="t18"\} 2$/m);
    assert.match(text, /^x_messages_total\{direction="out",type="t18"\} 1$/m);
    assert.match(text, /^x_messages_total\{direction="in",type="unknown_odd"\} 2$/m);
    assert.doesNotMatch(text, /direction="out",type="unknown_odd"/);
  }
  c.inc('out', 18);
  assert.match(await registry.metrics(), /^x_messages_total\{direction="out",type="t18"\} 2$/m);
});
