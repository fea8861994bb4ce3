/**
 * The card layout: the genimage config (golden), its validation, and the boot-partition offset that
 * add-bundle.sh hands to mtools.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootPartitionOffsetBytes, generateGenimageConfig } from '../../src/provision/image.js';
import { ProvisionError } from '../../src/provision/errors.js';
import { assertGolden } from './helpers.js';

test('genimage config for the board card (golden)', () => {
  assertGolden('genimage.cfg', generateGenimageConfig({ imageName: 'lnfleet-board.img', bootFiles: ['vmlinuz', 'initrd.img', 'cmdline.txt'] }));
  assert.equal(bootPartitionOffsetBytes(), 4 * 1024 * 1024);
});

test('genimage config refuses sizes and names that would break the build', () => {
  const bad = (e: unknown) => e instanceof ProvisionError && e.code === 'PROVISION_INVALID_ARGUMENT';
  assert.throws(() => generateGenimageConfig({ imageName: 'x.img', bootFiles: [] }), bad);
  assert.throws(() => generateGenimageConfig({ imageName: 'x.img', bootFiles: ['a"b'] }), bad);
  assert.throws(() => generateGenimageConfig({ imageName: 'x.img', bootFiles: ['vmlinuz'], bootMiB: 8 }), bad);
  assert.throws(() => generateGenimageConfig({ imageName: 'x.img', bootFiles: ['vmlinuz'], rootMiB: 1.5 }), bad);
});
