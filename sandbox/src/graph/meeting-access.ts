import { graphError, type Ctx } from '../http';
import type { Sandbox } from '../sandbox';
import type { SandboxTenant, SandboxUser } from '../seed';
import { requireApp, type AppPrincipal } from './auth';
import { parseOnlineMeetingId } from './ids';
import {
  findUserByOid,
  meetings,
  requireAccessPolicy,
  settleArtifacts,
  teamsNotFound,
  type StoredMeeting,
} from './meeting-store';

/** The checks every Teams meeting/artifact call goes through, in Graph's order. */

export function teamsForbidden(roles: string[]): { code: string; message: string } {
  return {
    code: 'Forbidden',
    message: `Application does not have the required permissions (${roles.join(' or ')}) to access this resource.`,
  };
}

/**
 * Teams paths take the organizer's Entra object id. Unknown ids (and UPNs, which the Teams
 * meeting APIs do not document) are a 404.
 */
export function pathUser(sb: Sandbox, ctx: Ctx, tenant: SandboxTenant): SandboxUser | undefined {
  const key = ctx.params.userId;
  const user = findUserByOid(tenant, key);
  if (!user) {
    teamsNotFound(
      sb,
      ctx,
      `User '${key}' was not found. Teams meeting APIs take the user's Entra object id.`,
    );
    return undefined;
  }
  return user;
}

/**
 * Token with one of `roles`, user in the path, application access policy: the checks every Teams
 * meeting call starts with. Answers the error itself and returns undefined when the call may not go on.
 */
export async function teamsCaller(
  sb: Sandbox,
  ctx: Ctx,
  roles: string[],
): Promise<{ app: AppPrincipal; user: SandboxUser } | undefined> {
  const app = await requireApp(sb, ctx, { anyRole: roles, forbidden: teamsForbidden(roles) });
  if (!app) return undefined;
  const user = pathUser(sb, ctx, app.tenant);
  if (!user || !requireAccessPolicy(sb, ctx, app.tenant)) return undefined;
  return { app, user };
}

export const ARTIFACT_ROLES = {
  recording: ['OnlineMeetingRecording.Read.All'],
  transcript: ['OnlineMeetingTranscript.Read.All'],
};

export interface MeetingAccess {
  app: AppPrincipal;
  user: SandboxUser;
  meeting: StoredMeeting;
}

/**
 * Token and role, user in the path, application access policy, meeting organized by that user,
 * meeting not expired. Answers the error itself and returns undefined when the call may not go on.
 */
export async function meetingForArtifacts(
  sb: Sandbox,
  ctx: Ctx,
  kind: 'recording' | 'transcript',
): Promise<MeetingAccess | undefined> {
  const caller = await teamsCaller(sb, ctx, ARTIFACT_ROLES[kind]);
  if (!caller) return undefined;
  const { app, user } = caller;
  const id = ctx.params.meetingId;
  const decoded = parseOnlineMeetingId(id);
  const m = meetings(sb).get(id);
  if ((decoded && decoded.organizerOid !== user.id) || (m && m.organizerOid !== user.id)) {
    teamsNotFound(sb, ctx, `Organizer Id mismatch User Id: ${user.id}`);
    return undefined;
  }
  if (!m || m.tenantId !== app.tenant.tenantId) {
    teamsNotFound(sb, ctx, 'The specified online meeting was not found.');
    return undefined;
  }
  if (m.expired) {
    const now = sb.clock.now();
    if (m.expired.status === 403)
      graphError(
        ctx,
        403,
        'Forbidden',
        'The meeting has expired; its artifacts can no longer be accessed.',
        { now },
      );
    else
      teamsNotFound(sb, ctx, 'The meeting has expired; its artifacts can no longer be accessed.');
    return undefined;
  }
  settleArtifacts(sb);
  return { app, user, meeting: m };
}
