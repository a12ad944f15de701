import path from 'node:path';
import { startSandbox } from './server';

/** `npm run sandbox`: the local Microsoft cloud on its own (default https://127.0.0.1:3979). */
async function main(): Promise<void> {
  const port = Number(process.env.SANDBOX_PORT ?? 3979);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`sandbox: SANDBOX_PORT must be a port number, got "${process.env.SANDBOX_PORT}"`);
    process.exit(1);
  }
  const dataDir = path.resolve(process.env.DATA_DIR ?? './.data', 'sandbox');
  const running = await startSandbox({ port, dataDir, persist: true }).catch(
    (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? `port ${port} is already in use: stop the other process or set SANDBOX_PORT`
          : String(err);
      console.error(`sandbox: ${why}`);
      process.exit(1);
    },
  );
  process.stdout.write(
    `sandbox: listening on ${running.url} (CA ${running.caFile}); info at ${running.url}/_sandbox/info\n`,
  );
  const stop = () => {
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
