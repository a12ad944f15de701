import { loadConfig, withSandbox } from '../../api/src/config';
import type { SandboxInfo } from '../../api/src/bootstrap/sandbox';
import { registerSandboxTenants } from '../../api/src/bootstrap/tenants';
import { silentLogger } from '../../api/src/log/logger';
import { startService, type Service, type StartOptions } from '../../api/src/main';
import { freePort } from './process';
import type { TestSandbox } from './sandbox';

/**
 * The product, built by its own composition root, pointed at a test sandbox (as sandbox mode does at
 * `npm start`), with the sandbox's tenants registered. `env` adds or overrides variables.
 */
export async function startServiceOnSandbox(
  sb: TestSandbox,
  dataDir: string,
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<{ service: Service; info: SandboxInfo }> {
  const info = (await (await sb.fetch('/_sandbox/info')).json()) as SandboxInfo;
  const config = withSandbox(
    loadConfig({
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      SANDBOX_AUTOSTART: 'false',
      ...env,
    }),
    info,
  );
  const service = await startService(config, silentLogger, 'serve', options);
  await registerSandboxTenants(service.directory, info);
  return { service, info };
}
