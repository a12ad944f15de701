import fc from 'fast-check';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox';

const TENANT = '6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7';
const ORGANIZER = '3a9e1f52-7c4d-4b8e-9f21-5d6c7b8a9e01';

/** Path shapes of every public sandbox surface, with holes for arbitrary segments. */
const PATHS = [
  (s: string) => `/v1.0/users/${s}`,
  (s: string) => `/v1.0/users/${ORGANIZER}/events/${s}`,
  () => `/v1.0/users/${ORGANIZER}/events`,
  (s: string) => `/v1.0/users/${ORGANIZER}/onlineMeetings?$filter=${s}`,
  (s: string) => `/v1.0/users/${ORGANIZER}/onlineMeetings/${s}/recordings`,
  (s: string) => `/v1.0/users/${ORGANIZER}/onlineMeetings/${s}/transcripts/${s}/content`,
  (s: string) =>
    `/v1.0/users/${ORGANIZER}/onlineMeetings/getAllTranscripts(meetingOrganizerUserId='${s}')`,
  (s: string) => `/v1.0/subscriptions/${s}`,
  () => `/v1.0/subscriptions`,
  (s: string) => `/${TENANT}/oauth2/v2.0/token?${s}`,
  (s: string) => `/${s}/v2.0/.well-known/openid-configuration`,
  (s: string) => `/connector/v3/conversations/${s}/activities`,
  (s: string) => `/_sandbox/meetings/${s}`,
  (s: string) => `/_sandbox/${s}`,
];

const segment = fc.oneof(
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.constantFrom('', '..', '%', '%zz', "'", "JoinWebUrl eq '", 'x'.repeat(3000), '%00', '(', ')'),
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 3 }),
  fc.constantFrom(
    '{',
    'null',
    '[]',
    '{"subject":null,"start":{},"end":1}',
    'grant_type=client_credentials',
  ),
);
const auth = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(
    'Bearer',
    'Bearer ',
    'Bearer a.b.c',
    'Basic Zm9vOmJhcg==',
    'Bearer eyJhbGciOiJub25lIn0.e30.',
  ),
);

describe('sandbox robustness', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox();
  });
  afterAll(async () => sb.stop());

  it('never crashes or answers 5xx on malformed input, and explains every refusal in an error envelope', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PATCH', 'PUT', 'DELETE'),
        fc.constantFrom(...PATHS),
        segment,
        body,
        auth,
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/x-www-form-urlencoded',
          undefined,
        ),
        async (method, path, seg, payload, authorization, contentType) => {
          const headers: Record<string, string> = {};
          if (authorization !== undefined) headers.authorization = authorization;
          if (contentType !== undefined) headers['content-type'] = contentType;
          const res = await sb.fetch(path(seg), {
            method,
            headers,
            body:
              method === 'GET' || payload === undefined
                ? undefined
                : typeof payload === 'string'
                  ? payload
                  : JSON.stringify(payload),
          });
          const text = await res.text();
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400) {
            const parsed = JSON.parse(text) as { error?: unknown };
            expect(parsed.error).toBeDefined();
          }
        },
      ),
      { numRuns: 400, seed: 20261127 },
    );
    expect((await sb.fetch('/_sandbox/info')).status).toBe(200);
  }, 120_000);
});
