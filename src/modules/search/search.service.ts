import { Injectable } from '@nestjs/common';
import { ScimError } from '../../domain/errors.js';
import { parseListQuery, type ListQueryInput } from '../../domain/list/list-query.js';
import type { ResourceTypeName, ScimResource } from '../../domain/schema/types.js';
import { GroupsService } from '../groups/groups.service.js';
import { listResponse, type RequestScope } from '../scim-http/index.js';
import { UsersService } from '../users/users.service.js';
import { scimRegistry } from '../scim/scim-registry.js';

interface TypedList {
  totalResults: number;
  Resources: ScimResource[];
}

/**
 * POST /.search across resource types (RFC 7644 §3.4.3): Users then Groups, each in its own order,
 * paged by index over the concatenation. A filter that names attributes only one type has matches
 * nothing of the other; it is a 400 invalidFilter when it fits neither.
 */
@Injectable()
export class SearchService {
  constructor(
    private readonly users: UsersService,
    private readonly groups: GroupsService,
  ) {}

  async search(scope: RequestScope, input: ListQueryInput): Promise<ScimResource> {
    if (input.cursor !== undefined) {
      throw ScimError.badRequest(
        'invalidValue',
        'Cursor paging is available per resource type, not on /.search',
      );
    }
    const queries = (['User', 'Group'] as const).map((type) => this.parseFor(type, input));
    const usable = queries.flatMap((q) =>
      q.query instanceof ScimError ? [] : [{ type: q.type, query: q.query }],
    );
    if (usable.length === 0) throw queries[0].query;

    const base = parseListQuery(scimRegistry, 'User', { startIndex: input.startIndex, count: input.count });
    const counted = await Promise.all(
      usable.map(async ({ type, query }) => ({
        type,
        query,
        ...(await this.count(scope, type, query)),
      })),
    );
    // RFC 7644 §3.4.3 / docs/scim-behaviour.md: a filter that fits neither resource type is the
    // client's error (an IdP would otherwise read "no match" and create duplicates).
    const fitting = counted.filter((c) => c.unknownAttribute === undefined);
    if (fitting.length === 0) throw counted[0].unknownAttribute;
    const totalResults = fitting.reduce((sum, c) => sum + c.total, 0);
    const resources: ScimResource[] = [];
    let skip = base.startIndex - 1;
    let room = base.count;
    for (const { type, query, total } of fitting) {
      if (skip >= total) {
        skip -= total;
        continue;
      }
      if (room === 0) break;
      const page = await this.list(scope, type, { ...query, startIndex: skip + 1, count: room });
      resources.push(...page.Resources);
      room -= page.Resources.length;
      skip = 0;
    }
    return listResponse(resources, { totalResults, startIndex: base.startIndex });
  }

  private parseFor(type: ResourceTypeName, input: ListQueryInput) {
    try {
      return { type, query: parseListQuery(scimRegistry, type, input) };
    } catch (error) {
      if (error instanceof ScimError) return { type, query: error };
      throw error;
    }
  }

  /** How many resources of this type match; a filter naming an attribute the type lacks matches none. */
  private async count(
    scope: RequestScope,
    type: ResourceTypeName,
    query: ReturnType<typeof parseListQuery>,
  ): Promise<{ total: number; unknownAttribute?: ScimError }> {
    try {
      return { total: (await this.list(scope, type, { ...query, count: 0 })).totalResults };
    } catch (error) {
      if (error instanceof ScimError && error.scimType === 'invalidFilter')
        return { total: 0, unknownAttribute: error };
      throw error;
    }
  }

  private async list(
    scope: RequestScope,
    type: ResourceTypeName,
    query: ReturnType<typeof parseListQuery>,
  ): Promise<TypedList> {
    const service = type === 'User' ? this.users : this.groups;
    return (await service.list(scope, query)) as unknown as TypedList;
  }
}
