import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { freePort, runProduct, waitForStatus } from '../helpers/process';
import { migrations } from '../../migrations';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ift-start-'));
}

describe('starting the product from a fresh checkout', () => {
  it('creates ./.data, migrates, starts the sandbox, registers its tenants, answers /healthz and /readyz, and exits cleanly on SIGTERM within 10 s', async () => {
    const cwd = tempDir();
    const env = {
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      SANDBOX_PORT: String(await freePort()),
    };
    const start = async () => {
      const product = runProduct(cwd, env);
      await waitForStatus(`http://127.0.0.1:${env.PORT}/readyz`, 200);
      return product;
    };
    const stop = async (product: ReturnType<typeof runProduct>) => {
      const started = Date.now();
      product.child.kill('SIGTERM');
      expect(await product.exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
    };
    let product = await start();
    try {
      const health = await fetch(`http://127.0.0.1:${env.PORT}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`http://127.0.0.1:${env.PORT}/readyz`);
      expect(await ready.json()).toEqual({
        status: 'ready',
        checks: { database: true, migrations: true, service: true, worker: true },
      });
      expect(product.stdout()).toContain('"msg":"sandbox started"');
      await stop(product);
      expect(product.stdout()).toContain('"msg":"stopped"');
      // The sandbox went down with the product, and its state was saved.
      expect(await fetch(`https://127.0.0.1:${env.SANDBOX_PORT}/`).catch(() => 'refused')).toBe(
        'refused',
      );
      expect(fs.existsSync(path.join(cwd, '.data', 'sandbox', 'ca.pem'))).toBe(true);

      const counts = () => {
        const db = new Database(path.join(cwd, '.data', 'interactions.db'), { readonly: true });
        const tenants = db
          .prepare(
            `SELECT t.display_name AS name, t.status, s.organizer_upn AS organizer FROM tenants t JOIN tenant_settings s ON s.tenant_id = t.tenant_id ORDER BY name`,
          )
          .all();
        const contacts = db.prepare('SELECT COUNT(*) AS n FROM contacts').get();
        db.close();
        return { tenants, contacts };
      };
      const first = counts();
      expect(first.tenants).toEqual([
        { name: 'Contoso', status: 'active', organizer: 'megan.organizer@contoso.onmicrosoft.com' },
        {
          name: 'Fabrikam',
          status: 'active',
          organizer: 'fabrikam.meetings@fabrikam.onmicrosoft.com',
        },
      ]);
      expect((first.contacts as { n: number }).n).toBeGreaterThan(0);

      // A restart registers nothing twice.
      product = await start();
      await stop(product);
      expect(counts()).toEqual(first);
    } finally {
      product.child.kill('SIGKILL');
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  }, 60_000);

  it('npm run migrate brings the database up to date and exits', async () => {
    const cwd = tempDir();
    const product = runProduct(cwd, {}, ['migrate']);
    expect(await product.exited).toBe(0);
    const db = new Database(path.join(cwd, '.data', 'interactions.db'), { readonly: true });
    const applied = db.prepare('SELECT name FROM migrations').all();
    db.close();
    expect(applied).toEqual(migrations.map((M) => ({ name: new M().name })));
    fs.rmSync(cwd, { recursive: true, force: true });
  });

  it('runs the worker alone and stops it on SIGTERM', async () => {
    const cwd = tempDir();
    const product = runProduct(cwd, { SANDBOX_AUTOSTART: 'false' }, ['worker']);
    const until = Date.now() + 20_000;
    while (!product.stdout().includes('worker started') && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(product.stdout()).toContain('worker started');
    product.child.kill('SIGTERM');
    expect(await product.exited).toBe(0);
    fs.rmSync(cwd, { recursive: true, force: true });
  });
});

describe('refusing to start, with one line that says what to fix', () => {
  async function failure(env: Record<string, string>, cwd = tempDir()) {
    const product = runProduct(cwd, env);
    const code = await product.exited;
    return { code, stderr: product.stderr().trim(), cwd };
  }

  it('when the port is in use, before anything is written', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const { code, stderr, cwd } = await failure({ PORT: String(port), HOST: '127.0.0.1' });
      expect(code).toBe(1);
      expect(stderr).toBe(
        `interactions-for-teams: port ${port} is already in use: stop the other process or set PORT to a free port`,
      );
      expect(fs.existsSync(path.join(cwd, '.data'))).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('when DATABASE_URL has an unknown scheme', async () => {
    const { code, stderr, cwd } = await failure({ DATABASE_URL: 'postgres://db.example/crm' });
    expect(code).toBe(1);
    expect(stderr).toContain(
      'DATABASE_URL: unknown scheme "postgres"; use sqlite:<file> or mssql://',
    );
    expect(fs.existsSync(path.join(cwd, '.data'))).toBe(false);
  });

  it('when the data directory cannot be written', async () => {
    const cwd = tempDir();
    fs.writeFileSync(path.join(cwd, 'not-a-dir'), '');
    const { code, stderr } = await failure(
      { DATA_DIR: './not-a-dir/data', PORT: String(await freePort()) },
      cwd,
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^interactions-for-teams: cannot write the .* \(ENOTDIR\): set .* to a writable directory/,
    );
    expect(stderr.split('\n')).toHaveLength(1);
  });

  it('when SQL Server cannot be reached', async () => {
    const { code, stderr } = await failure({
      DATABASE_URL: 'mssql://app:secret-pw@127.0.0.1:1/crm',
      PORT: String(await freePort()),
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^interactions-for-teams: cannot connect to SQL Server at 127\.0\.0\.1:1 database "crm"/,
    );
    expect(stderr).not.toContain('secret-pw');
  }, 30_000);

  it('when the configuration is bad, listing every bad key', async () => {
    const { code, stderr } = await failure({
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      BLOB_STORE: 'azure',
    });
    expect(code).toBe(1);
    expect(stderr).toContain('invalid configuration');
    for (const key of ['PORT', 'LOG_LEVEL', 'AZURE_STORAGE_CONNECTION_STRING'])
      expect(stderr).toContain(`- ${key}:`);
  });
});
