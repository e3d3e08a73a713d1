import { Injectable } from '@nestjs/common';
import { ScimError } from '../domain/errors.js';
import type { ListQuery } from '../domain/list/list-query.js';
import type { SchemaRegistry } from '../domain/schema/registry.js';
import type { ScimResource } from '../domain/schema/types.js';
import type { TenantTx } from './database.js';
import type { StatementExtension } from './events.repository.js';
import { GROUP_COLUMN_MAP, GROUP_COLUMNS } from './group-columns.js';
import { GROUP_MEMBERS, type ListedMember } from './resource-list.js';
import type { ResourceRow } from './resource-rows.js';
import { ResourceTable, type RowLock, type RowPage } from './resource-table.js';

/** scim_group: the stored Group without its members (those are rows of scim_membership). */
@Injectable()
export class GroupsRepository {
  private readonly table = new ResourceTable('Group', GROUP_COLUMN_MAP, GROUP_COLUMNS);

  find(tx: TenantTx, id: string, lock?: RowLock): Promise<ResourceRow> {
    return this.table.find(tx, id, lock);
  }

  /** One page of groups, with their members (Group.members) when `members`, in one statement. */
  list(
    tx: TenantTx,
    query: ListQuery,
    registry: SchemaRegistry,
    { members }: { members: boolean },
  ): Promise<RowPage<{ members: ListedMember[] }>> {
    return this.table.list(tx, query, registry, members ? [GROUP_MEMBERS] : []);
  }

  delete(tx: TenantTx, id: string): Promise<void> {
    return this.table.delete(tx, id);
  }

  /** Bumps version and lastModified when membership alone changed (members are part of a Group). */
  touch(tx: TenantTx, id: string, by = 1): Promise<ResourceRow> {
    return this.table.touch(tx, id, by);
  }

  /** Bumps version and lastModified if a membership change of this transaction changed a row. */
  touchIfMembersChanged(tx: TenantTx, id: string): Promise<ResourceRow | undefined> {
    return this.table.touchIfMembersChanged(tx, id);
  }

  /**
   * A new group; 409 uniqueness when its displayName is taken in the tenant. `extend`: what the
   * statement does besides (ResourceTable.insert).
   */
  insert(tx: TenantTx, id: string, stored: ScimResource, extend?: StatementExtension): Promise<ResourceRow> {
    return this.table.insert(tx, id, stored, () => conflict(stored), extend);
  }

  update(tx: TenantTx, id: string, stored: ScimResource, extend?: StatementExtension): Promise<ResourceRow> {
    return this.table.update(tx, id, stored, () => conflict(stored), extend);
  }
}

function conflict(stored: ScimResource): ScimError {
  return new ScimError(
    409,
    `A group with displayName "${String(stored.displayName)}" already exists`,
    'uniqueness',
  );
}
