import { LessThan, Like, type EntityManager } from 'typeorm';
import type {
  InboxRepository,
  Repositories,
  TenantsRepository,
} from '../../domain/ports/repositories';
import type { InboxItem } from '../../domain/capture/types';
import type { Tenant } from '../../domain/tenants/types';
import type { Client, Contact } from '../../domain/interactions/types';
import type { MeetingDraft, OnlineMeeting } from '../../domain/meetings/types';
import type { GraphSubscription } from '../../domain/capture/types';
import type { TranscriptSegment } from '../../domain/transcripts/types';
import type { Clock } from '../../domain/ports/clock';
import type { Entities } from '../entities';
import { TenantScoped, without } from './tenant-scoped';
import { isDatabaseError, toStorageError } from '../storage-errors';

class Tenants implements TenantsRepository {
  constructor(
    private readonly manager: EntityManager,
    private readonly entities: Entities,
    private readonly clock: Clock,
  ) {}

  private get repo() {
    return this.manager.getRepository(this.entities.tenants);
  }

  get(tenantId: string) {
    return this.repo.findOne({ where: { tenantId } });
  }

  async upsert(tenantId: string, row: Omit<Tenant, 'tenantId' | 'createdAt' | 'updatedAt'>) {
    const now = this.clock.now();
    const existing = await this.get(tenantId);
    if (existing) {
      await this.repo.update({ tenantId }, { ...row, updatedAt: now });
      return { ...existing, ...row, updatedAt: now };
    }
    const created: Tenant = { ...row, tenantId, createdAt: now, updatedAt: now };
    await this.repo.insert(created);
    return created;
  }

  async update(tenantId: string, patch: Partial<Omit<Tenant, 'tenantId'>>) {
    const result = await this.repo.update({ tenantId }, without(patch, ['tenantId']) as never);
    return (result.affected ?? 0) > 0;
  }

  async delete(tenantId: string) {
    const result = await this.repo.delete({ tenantId });
    return (result.affected ?? 0) > 0;
  }

  async listActiveTenantIds() {
    const rows = await this.repo.find({ where: { status: 'active' }, select: { tenantId: true } });
    return rows.map((r) => r.tenantId);
  }

  async listTenantIds() {
    const rows = await this.repo.find({ select: { tenantId: true } });
    return rows.map((r) => r.tenantId);
  }
}

const lower = (v: string | null | undefined) =>
  typeof v === 'string' ? v.trim().toLowerCase() : v;

class Contacts extends TenantScoped<Contact, 'contactId'> {
  protected override normalize<R extends Partial<Contact>>(row: R): R {
    return 'email' in row ? { ...row, email: lower(row.email) } : row;
  }

  findByEmail(tenantId: string, email: string) {
    return this.repo.findOne({
      where: this.where(tenantId, { email: lower(email) }),
    });
  }
}

class Clients extends TenantScoped<Client, 'clientId'> {
  protected override normalize<R extends Partial<Client>>(row: R): R {
    return 'emailDomain' in row ? { ...row, emailDomain: lower(row.emailDomain) } : row;
  }

  findByEmailDomain(tenantId: string, emailDomain: string) {
    return this.repo.findOne({
      where: this.where(tenantId, { emailDomain: lower(emailDomain) }),
    });
  }
}

class OnlineMeetings extends TenantScoped<OnlineMeeting, 'meetingId'> {
  findByInteraction(tenantId: string, interactionId: string) {
    return this.repo.findOne({ where: this.where(tenantId, { interactionId }) });
  }

  findByProviderMeetingId(tenantId: string, providerMeetingId: string) {
    return this.repo.findOne({ where: this.where(tenantId, { providerMeetingId }) });
  }

  findByIdPrefix(tenantId: string, prefix: string) {
    // Only hex digits reach LIKE, so no wildcard can be smuggled in.
    if (!/^[0-9a-f]{1,32}$/.test(prefix)) return Promise.resolve([]);
    return this.repo.find({
      where: this.where(tenantId, { meetingId: Like(`${prefix}%`) }),
      take: 5,
    });
  }

  async updateIfVersion(
    tenantId: string,
    meetingId: string,
    expectedVersion: number,
    patch: Partial<Omit<OnlineMeeting, 'tenantId' | 'meetingId' | 'version'>>,
  ) {
    const safe = without(patch, ['tenantId', 'meetingId', 'version']);
    const result = await this.repo.update(
      this.where(tenantId, { meetingId, version: expectedVersion }),
      safe as never,
    );
    return (result.affected ?? 0) > 0;
  }
}

class MeetingDrafts extends TenantScoped<MeetingDraft, 'draftId'> {
  async claim(tenantId: string, draftId: string, state: 'created' | 'discarded', at: Date) {
    const result = await this.repo.update(this.where(tenantId, { draftId, state: 'open' }), {
      state,
      updatedAt: at,
    } as never);
    return (result.affected ?? 0) > 0;
  }

  async updateOpen(tenantId: string, draftId: string, payload: string, at: Date) {
    const result = await this.repo.update(this.where(tenantId, { draftId, state: 'open' }), {
      payload,
      updatedAt: at,
    } as never);
    return (result.affected ?? 0) > 0;
  }

  async purgeExpired(tenantId: string, before: Date) {
    const result = await this.repo.delete(this.where(tenantId, { expiresAt: LessThan(before) }));
    return result.affected ?? 0;
  }
}

class GraphSubscriptions extends TenantScoped<GraphSubscription, 'subscriptionId'> {
  findByGraphId(tenantId: string, graphSubscriptionId: string) {
    return this.repo.findOne({ where: this.where(tenantId, { graphSubscriptionId }) });
  }
}

class TranscriptSegments extends TenantScoped<TranscriptSegment, 'artifactId' | 'seq'> {
  async replaceForArtifact(
    tenantId: string,
    artifactId: string,
    segments: Omit<TranscriptSegment, 'tenantId' | 'artifactId'>[],
  ) {
    // Delete and insert must commit together: the caller's unit of work is the transaction.
    if (!this.repo.manager.queryRunner?.isTransactionActive) {
      throw new Error('replaceForArtifact must run inside a unit of work');
    }
    await this.repo.delete(this.where(tenantId, { artifactId }));
    // Small chunks keep each INSERT under SQL Server's 2,100-parameter limit.
    for (let i = 0; i < segments.length; i += 200) {
      const chunk = segments.slice(i, i + 200).map((s) => ({ ...s, artifactId, tenantId }));
      await this.repo.insert(chunk as never);
    }
  }
}

class Inbox extends TenantScoped<InboxItem, 'dedupeKey'> implements InboxRepository {
  async purgeProcessed(tenantId: string, before: Date) {
    const result = await this.repo.delete(this.where(tenantId, { processedAt: LessThan(before) }));
    return result.affected ?? 0;
  }
}

/** Every method's database failure reaches the domain as a StorageError (transient or not). */
function mappingStorageErrors<T extends object>(target: T): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result = value.apply(obj, args);
        return result instanceof Promise
          ? result.catch((err: unknown) => {
              throw isDatabaseError(err) ? toStorageError(err) : err;
            })
          : result;
      };
    },
  });
}

/** Builds every repository on one EntityManager (the data source's, or a transaction's). */
export function createRepositories(
  manager: EntityManager,
  entities: Entities,
  clock: Clock,
): Repositories {
  const e = entities;
  const repos: Repositories = {
    tenants: new Tenants(manager, e, clock),
    tenantSettings: new TenantScoped(manager, e.tenantSettings, []),
    clients: new Clients(manager, e.clients, ['clientId']),
    contacts: new Contacts(manager, e.contacts, ['contactId']),
    interactions: new TenantScoped(manager, e.interactions, ['interactionId']),
    onlineMeetings: new OnlineMeetings(manager, e.onlineMeetings, ['meetingId']),
    meetingAttendees: new TenantScoped(manager, e.meetingAttendees, ['meetingId', 'email']),
    meetingArtifacts: new TenantScoped(manager, e.meetingArtifacts, ['artifactId']),
    transcriptSegments: new TranscriptSegments(manager, e.transcriptSegments, [
      'artifactId',
      'seq',
    ]),
    meetingCards: new TenantScoped(manager, e.meetingCards, ['meetingId', 'conversationId']),
    conversationRefs: new TenantScoped(manager, e.conversationRefs, ['conversationId']),
    meetingDrafts: new MeetingDrafts(manager, e.meetingDrafts, ['draftId']),
    chatLists: new TenantScoped(manager, e.chatLists, ['conversationId', 'userOid']),
    graphSubscriptions: new GraphSubscriptions(manager, e.graphSubscriptions, ['subscriptionId']),
    inbox: new Inbox(manager, e.inbox, ['dedupeKey']),
    auditEvents: new TenantScoped(manager, e.auditEvents, ['eventId']),
  };
  return Object.fromEntries(
    Object.entries(repos).map(([k, r]) => [k, mappingStorageErrors(r)]),
  ) as unknown as Repositories;
}
