/** `CountedSet`: a member stays while any of its references is left. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CountedSet } from '../../src/gossip/counted-set.js';

test('a key added twice stays after one remove and leaves with the second; clear forgets all', () => {
  const s = new CountedSet<string>();
  assert.equal(s.has('a'), false);
  s.add('a');
  s.add('a');
  s.add('b');
  s.remove('a');
  assert.equal(s.has('a'), true, 'one reference left');
  s.remove('a');
  assert.equal(s.has('a'), false);
  assert.equal(s.has('b'), true);
  s.remove('zzz'); // never added: stays absent
  assert.equal(s.has('zzz'), false);
  s.clear();
  assert.equal(s.has('b'), false);
});
