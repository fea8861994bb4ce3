// Test helper (not a test file): a backend on ephemeral loopback ports with a temp PKI, closed after the test.
import { startBackend, type BackendHandle, type BackendOptions } from '../../src/back/index.js';
import { backendConfig, captureLogger, createTempPki, TEST_NODE_ENV, type TempPki } from '../helpers/cluster-fixtures.js';

export interface TestBackend {
  readonly pki: TempPki;
  readonly backend: BackendHandle;
  readonly logs: ReturnType<typeof captureLogger>;
}

/** Starts a backend for one test; everything is closed and removed in `t.after`. */
export async function startTestBackend(
  t: { after(fn: () => Promise<void> | void): void },
  extra: Record<string, string> = {},
  opts: BackendOptions = {},
): Promise<TestBackend> {
  const pki = await createTempPki();
  const logs = captureLogger();
  let backend: BackendHandle;
  try {
    backend = await startBackend(backendConfig(pki, extra), { env: TEST_NODE_ENV, ephemeralPorts: true, logger: logs.logger, ...opts });
  } catch (e) {
    pki.cleanup();
    throw e;
  }
  t.after(async () => {
    await backend.close();
    pki.cleanup();
  });
  return { pki, backend, logs };
}
