import { jsonBody, sendEmpty, sendJson, type Ctx } from './http';
import type { RequestLog } from './request-log';
import type { Sandbox } from './sandbox';
import { SANDBOX_APP } from './seed';
import type { FaultRule } from './faults';

/** A control-API mistake: say what is wrong, in plain words. */
export function controlError(ctx: Ctx, status: number, message: string): void {
  sendJson(ctx, status, { error: { code: 'SandboxControlError', message } });
}

/** What a product or a person needs to talk to the sandbox (`GET /_sandbox/info`). */
export function sandboxInfo(sb: Sandbox) {
  const base = sb.baseUrl;
  return {
    app: {
      clientId: SANDBOX_APP.clientId,
      clientSecret: SANDBOX_APP.clientSecret,
      botId: SANDBOX_APP.botId,
    },
    tenants: sb.tenants().map((t) => {
      const byId = (id: string) => t.users.find((u) => u.id === id);
      const person = (id: string) => {
        const u = byId(id);
        return u ? { oid: u.id, upn: u.userPrincipalName, displayName: u.displayName } : null;
      };
      return {
        tenantId: t.tenantId,
        displayName: t.displayName,
        domain: t.domain,
        organizer: person(t.organizerOid),
        staff: t.staffOids.map(person).filter(Boolean),
        unlicensedUser: person(t.unlicensedOid),
        adminConsented: t.adminConsented !== false,
        consentedRoles: t.consentedRoles,
        accessPolicy: t.accessPolicy,
        clients: t.demoClients,
      };
    }),
    urls: {
      graph: base,
      authorityHost: base,
      botOpenIdMetadata: `${base}/botframework/v1/.well-known/openidconfiguration`,
      botTokenEndpoint: `${base}/botframework/oauth2/v2.0/token`,
      connector: `${base}/connector/`,
      tabHost: `${base}/_sandbox/teams`,
      control: `${base}/_sandbox`,
    },
    caFile: sb.tls.caFile,
    clock: sb.clock.describe(),
  };
}

export function registerControl(
  sb: Sandbox,
  deps: { log: RequestLog; reset: () => void; fireDue: () => void },
): void {
  const r = sb.router;
  r.on('GET', '/_sandbox/info', (ctx) => sendJson(ctx, 200, sandboxInfo(sb)));

  r.on('POST', '/_sandbox/reset', (ctx) => {
    deps.reset();
    sendJson(ctx, 200, { reset: true });
  });

  r.on('GET', '/_sandbox/faults', (ctx) =>
    sendJson(ctx, 200, { seed: sb.faults.seed, rules: sb.faults.list() }),
  );
  r.on('POST', '/_sandbox/faults', (ctx) => {
    const body = jsonBody<Partial<FaultRule> & { seed?: number }>(ctx);
    if (!body) return;
    if (body.seed !== undefined) {
      if (!Number.isInteger(body.seed)) return controlError(ctx, 400, 'seed must be an integer');
      sb.faults.reseed(body.seed);
      if (!body.kind) return sendJson(ctx, 200, { seed: body.seed });
    }
    const rule = sb.faults.add(body);
    if (typeof rule === 'string') return controlError(ctx, 400, rule);
    sendJson(ctx, 201, rule);
  });
  r.on('DELETE', '/_sandbox/faults', (ctx) => {
    sb.faults.clear();
    sendEmpty(ctx, 204);
  });
  r.on('DELETE', '/_sandbox/faults/:id', (ctx) => {
    if (!sb.faults.remove(ctx.params.id))
      return controlError(ctx, 404, `no fault rule with id ${ctx.params.id}`);
    sendEmpty(ctx, 204);
  });

  r.on('GET', '/_sandbox/clock', (ctx) => sendJson(ctx, 200, sb.clock.describe()));
  r.on('POST', '/_sandbox/clock', (ctx) => {
    const body = jsonBody<{ advanceMs?: number; speed?: number }>(ctx);
    if (!body) return;
    if (body.advanceMs === undefined && body.speed === undefined) {
      return controlError(
        ctx,
        400,
        'give advanceMs (milliseconds to jump ahead) and/or speed (virtual ms per real ms)',
      );
    }
    if (body.advanceMs !== undefined && !(Number.isFinite(body.advanceMs) && body.advanceMs >= 0)) {
      return controlError(ctx, 400, 'advanceMs must be a number ≥ 0 (the clock never goes back)');
    }
    if (
      body.speed !== undefined &&
      !(Number.isFinite(body.speed) && body.speed >= 1 && body.speed <= 100_000)
    ) {
      return controlError(ctx, 400, 'speed must be a number from 1 to 100000');
    }
    if (body.speed !== undefined) sb.clock.setSpeed(body.speed);
    if (body.advanceMs !== undefined) sb.clock.advance(body.advanceMs);
    // Time jumped: what fell due (expiries, deliveries) has happened by the time this answers.
    deps.fireDue();
    sendJson(ctx, 200, sb.clock.describe());
  });

  r.on('GET', '/_sandbox/requests', (ctx) => {
    const since = Number(ctx.url.searchParams.get('since') ?? 0);
    if (!Number.isInteger(since) || since < 0)
      return controlError(ctx, 400, 'since must be a request sequence number ≥ 0');
    sendJson(ctx, 200, { lastSeq: deps.log.lastSeq, requests: deps.log.since(since) });
  });
  r.on('DELETE', '/_sandbox/requests', (ctx) => {
    deps.log.clear();
    sendEmpty(ctx, 204);
  });

  r.on('PATCH', '/_sandbox/tenants/:tenantId', (ctx) => {
    const tenant = sb.tenant(ctx.params.tenantId);
    if (!tenant)
      return controlError(
        ctx,
        404,
        `no sandbox tenant ${ctx.params.tenantId}; see GET /_sandbox/info`,
      );
    const body = jsonBody<{
      accessPolicy?: { granted?: boolean; propagationDelayMs?: number };
      consentedRoles?: string[];
      adminConsented?: boolean;
    }>(ctx);
    if (!body) return;
    if (body.adminConsented !== undefined) {
      if (typeof body.adminConsented !== 'boolean')
        return controlError(ctx, 400, 'adminConsented must be true or false');
      tenant.adminConsented = body.adminConsented;
    }
    if (body.consentedRoles !== undefined) {
      if (
        !Array.isArray(body.consentedRoles) ||
        body.consentedRoles.some((r) => typeof r !== 'string')
      ) {
        return controlError(
          ctx,
          400,
          'consentedRoles must be an array of Graph application role names',
        );
      }
      tenant.consentedRoles = body.consentedRoles;
    }
    if (body.accessPolicy !== undefined) {
      const { granted, propagationDelayMs } = body.accessPolicy;
      if (granted !== undefined && typeof granted !== 'boolean')
        return controlError(ctx, 400, 'accessPolicy.granted must be true or false');
      if (
        propagationDelayMs !== undefined &&
        !(Number.isFinite(propagationDelayMs) && propagationDelayMs >= 0)
      ) {
        return controlError(ctx, 400, 'accessPolicy.propagationDelayMs must be a number ≥ 0');
      }
      tenant.accessPolicy = {
        granted: granted ?? tenant.accessPolicy.granted,
        propagationDelayMs: propagationDelayMs ?? tenant.accessPolicy.propagationDelayMs,
        changedAt: sb.clock.now().toISOString(),
      };
    }
    sb.saveTenant(tenant);
    sendJson(ctx, 200, {
      tenantId: tenant.tenantId,
      adminConsented: tenant.adminConsented !== false,
      consentedRoles: tenant.consentedRoles,
      accessPolicy: tenant.accessPolicy,
    });
  });
}
