import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface Violation {
  file: string;
  specifier: string;
  rule: string;
}

/** Packages the domain must not know about: transports, ORM, Graph SDKs, raw HTTP, files, tokens, blobs. */
const DOMAIN_FORBIDDEN_PACKAGES = [
  /^restify$/,
  /^botbuilder/,
  /^botframework-/,
  /^typeorm$/,
  /^better-sqlite3$/,
  /^mssql$/,
  /^@microsoft\/microsoft-graph-client$/,
  /^@azure\/msal-node$/,
  /^(node:)?https?$/,
  /^undici$/,
  /^(node:)?fs(\/promises)?$/,
  /^jose$/,
  /^@azure\/storage-blob$/,
];

/** Transports stay thin: no ORM, no Graph SDK, no data or Graph adapters. */
const TRANSPORT_FORBIDDEN_PACKAGES = [
  /^typeorm$/,
  /^@microsoft\/microsoft-graph-client$/,
  /^@azure\/msal-node$/,
];
const TRANSPORT_FORBIDDEN_DIRS = ['api/src/data', 'api/src/graph'];
const TRANSPORT_DIRS = ['api/src/http', 'bot', 'api/src/notifications', 'api/src/jobs'];

const SOURCE_DIRS = ['api', 'bot', 'tab', 'sandbox'];
const SKIP = new Set(['node_modules', 'dist', '.data']);

function listSources(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listSources(full);
    return /\.(ts|tsx|mts|cts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

const within = (rel: string, dir: string) => rel === dir || rel.startsWith(`${dir}/`);

/** Checks the layering rules of DESIGN §3 over every source file under `root`. */
export function checkDependencies(root: string): Violation[] {
  const violations: Violation[] = [];
  const files = SOURCE_DIRS.flatMap((d) => listSources(path.join(root, d)));
  for (const file of files) {
    const rel = path.relative(root, file).split(path.sep).join('/');
    const inDomain = within(rel, 'api/src/domain');
    const inTab = within(rel, 'tab');
    const inSandbox = within(rel, 'sandbox');
    // Transports: what turns the outside world (requests, activities, notifications, jobs) into domain calls.
    const inTransport = TRANSPORT_DIRS.some((d) => within(rel, d));
    for (const specifier of importsOf(file)) {
      const relative = specifier.startsWith('.');
      const target = relative
        ? path
            .relative(root, path.resolve(path.dirname(file), specifier))
            .split(path.sep)
            .join('/')
        : null;
      const report = (rule: string) => violations.push({ file: rel, specifier, rule });
      if (inDomain) {
        if (target !== null && !within(target, 'api/src/domain'))
          report('domain imports only domain code');
        if (target === null && DOMAIN_FORBIDDEN_PACKAGES.some((p) => p.test(specifier))) {
          report('domain must not import transports, the ORM or Graph/HTTP clients');
        }
      }
      if (!inSandbox && target !== null && within(target, 'sandbox')) {
        report('product code reaches the sandbox over HTTP only, never by import');
      }
      if (
        inTab &&
        target !== null &&
        !within(target, 'tab') &&
        !within(target, 'api/src/http/contracts')
      ) {
        report('the tab imports only api/src/http/contracts from the server');
      }
      if (inTransport) {
        if (target !== null && TRANSPORT_FORBIDDEN_DIRS.some((d) => within(target, d))) {
          report('transports call the domain, not data or Graph adapters');
        }
        if (target === null && TRANSPORT_FORBIDDEN_PACKAGES.some((p) => p.test(specifier))) {
          report('transports must not use the ORM or Graph SDKs');
        }
      }
    }
  }
  return violations;
}
