/**
 * @module test/helpers/ldk/wasm
 * Loads LDK's WebAssembly module once per process, from the `.wasm` file inside the installed
 * `lightningdevkit` package (read from disk, never fetched from a URL).
 *
 * The bindings keep the instance in a module-level variable, so a second initialisation would swap the
 * memory under every live LDK object: the promise below makes it happen exactly once.
 *
 * Does not: build any LDK object (see `components.ts`).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ldk from 'lightningdevkit';

let loading: Promise<void> | undefined;

/** Path of `liblightningjs.wasm` in the installed package (resolved like any import, no URL). */
export function ldkWasmPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('lightningdevkit/package.json')), 'liblightningjs.wasm');
}

/** Initialises LDK's WASM backend if it is not yet; every caller awaits the same promise. */
export function ensureLdkLoaded(): Promise<void> {
  loading ??= readFile(ldkWasmPath()).then((bin) =>
    ldk.initializeWasmFromBinary(new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength)));
  return loading;
}
