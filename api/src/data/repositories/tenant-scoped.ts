import type { EntityManager, EntitySchema, FindOptionsWhere, Repository } from 'typeorm';
import type { Filter, ListOptions, TenantScopedRepository } from '../../domain/ports/repositories';

const MAX_PAGE = 500;

/** A copy of `row` without `fields`: a patch can never move a row or change its key. */
export function without(row: object, fields: readonly PropertyKey[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([k]) => !fields.includes(k)));
}

/** The only way rows of a tenant table are reached: the tenant id is applied last, so it wins. */
export class TenantScoped<
  T extends { tenantId: string },
  K extends keyof T,
> implements TenantScopedRepository<T, K> {
  protected readonly repo: Repository<T>;

  constructor(
    manager: EntityManager,
    schema: EntitySchema<T>,
    protected readonly keyFields: readonly K[],
  ) {
    this.repo = manager.getRepository(schema);
  }

  protected where(tenantId: string, filter: object = {}): FindOptionsWhere<T> {
    if (!tenantId) throw new Error('tenant id is required');
    return { ...filter, tenantId } as FindOptionsWhere<T>;
  }

  protected keyOf(key: Pick<T, K>): Partial<T> {
    const out: Partial<T> = {};
    for (const field of this.keyFields) {
      const value = key[field];
      if (value === undefined || value === null)
        throw new Error(`key field ${String(field)} is required`);
      out[field] = value;
    }
    return out;
  }

  get(tenantId: string, key: Pick<T, K>): Promise<T | null> {
    return this.repo.findOne({ where: this.where(tenantId, this.keyOf(key)) });
  }

  list(tenantId: string, filter: Filter<T> = {}, options: ListOptions<T> = {}): Promise<T[]> {
    return this.repo.find({
      where: this.where(tenantId, filter),
      order: options.order as never,
      take: Math.min(options.limit ?? MAX_PAGE, MAX_PAGE),
      skip: options.offset,
    });
  }

  count(tenantId: string, filter: Filter<T> = {}): Promise<number> {
    return this.repo.count({ where: this.where(tenantId, filter) });
  }

  /** Hook for repositories that store a canonical form (for example lower-case emails). */
  protected normalize<R extends Partial<T>>(row: R): R {
    return row;
  }

  async insert(tenantId: string, row: Omit<T, 'tenantId'>): Promise<T> {
    const full = this.normalize({ ...row, tenantId } as T);
    await this.repo.insert(full as never);
    return full;
  }

  async update(
    tenantId: string,
    key: Pick<T, K>,
    patch: Partial<Omit<T, 'tenantId' | K>>,
  ): Promise<boolean> {
    const safe = without(this.normalize({ ...patch } as Partial<T>), [
      'tenantId',
      ...this.keyFields,
    ]);
    if (Object.keys(safe).length === 0) return (await this.get(tenantId, key)) !== null;
    const result = await this.repo.update(this.where(tenantId, this.keyOf(key)), safe as never);
    return (result.affected ?? 0) > 0;
  }

  async delete(tenantId: string, key: Pick<T, K>): Promise<boolean> {
    const result = await this.repo.delete(this.where(tenantId, this.keyOf(key)));
    return (result.affected ?? 0) > 0;
  }
}
