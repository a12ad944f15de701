import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkDependencies } from '../../scripts/dependency-rules';

function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ift-deps-'));
  for (const [name, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), body);
  }
  return root;
}

describe('dependency rule', () => {
  it('passes on this repository', () => {
    expect(checkDependencies(path.resolve(__dirname, '../..'))).toEqual([]);
  });

  it.each([
    ['restify', `import restify from 'restify';`],
    ['typeorm', `import { DataSource } from 'typeorm';`],
    ['botbuilder', `import { CloudAdapter } from 'botbuilder';`],
    ['the Graph client', `import { Client } from '@microsoft/microsoft-graph-client';`],
    ['msal-node', `const msal = require('@azure/msal-node');`],
    ['node:http', `import http from 'node:http';`],
    ['fs', `import fs from 'node:fs';`],
    ['fs/promises', `import { readFile } from 'fs/promises';`],
    ['jose', `import { jwtVerify } from 'jose';`],
    ['Azure Blob storage', `import { BlobServiceClient } from '@azure/storage-blob';`],
    ['undici', `import { fetch } from 'undici';`],
  ])('fails when the domain imports %s', (_name, line) => {
    const root = tree({ 'api/src/domain/meetings/schedule.ts': line });
    expect(checkDependencies(root)).toEqual([
      expect.objectContaining({
        file: 'api/src/domain/meetings/schedule.ts',
        rule: expect.stringMatching(/^domain/),
      }),
    ]);
  });

  it('fails when the domain reaches into an adapter', () => {
    const root = tree({ 'api/src/domain/a.ts': `import { x } from '../data/repositories';` });
    expect(checkDependencies(root).map((v) => v.rule)).toEqual(['domain imports only domain code']);
  });

  it('fails when product code imports the sandbox', () => {
    const root = tree({
      'api/src/main.ts': `import { start } from '../../sandbox/server';`,
      'bot/src/bot.ts': `export const x = import('../../sandbox/graph');`,
    });
    expect(
      checkDependencies(root)
        .map((v) => v.file)
        .sort(),
    ).toEqual(['api/src/main.ts', 'bot/src/bot.ts']);
  });

  it('lets the tab import the API contracts and nothing else of the server', () => {
    const root = tree({
      'tab/src/ok.ts': `import { Meeting } from '../../api/src/http/contracts/meetings';`,
      'tab/src/bad.ts': `import { loadConfig } from '../../api/src/config';`,
    });
    expect(checkDependencies(root)).toEqual([
      expect.objectContaining({
        file: 'tab/src/bad.ts',
        rule: 'the tab imports only api/src/http/contracts from the server',
      }),
    ]);
  });

  it('keeps transports thin: no ORM or data adapter in routes or the bot', () => {
    const root = tree({
      'api/src/http/routes/meetings.ts': `import { Repository } from 'typeorm';`,
      'bot/src/handler.ts': `import { createRepositories } from '../../api/src/data/repositories';`,
    });
    expect(
      checkDependencies(root)
        .map((v) => v.file)
        .sort(),
    ).toEqual(['api/src/http/routes/meetings.ts', 'bot/src/handler.ts']);
  });

  it('treats webhooks and jobs as transports too: no data or Graph adapter, no ORM', () => {
    const root = tree({
      'api/src/notifications/ingest.ts': `import { JobStore } from '../data/job-store';`,
      'api/src/jobs/capture.ts': `import { GraphClient } from '../graph/client';`,
      'api/src/jobs/other.ts': `import { In } from 'typeorm';`,
      'api/src/jobs/fine.ts': `import { recoverMeeting } from '../domain/meetings/recovery';`,
    });
    expect(
      checkDependencies(root)
        .map((v) => v.file)
        .sort(),
    ).toEqual([
      'api/src/jobs/capture.ts',
      'api/src/jobs/other.ts',
      'api/src/notifications/ingest.ts',
    ]);
  });
});
