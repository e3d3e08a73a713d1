import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { bulkSteps, type ParsedMemberPatch } from '../../domain/bulk/member-runs.js';
import { planBulk } from '../../domain/bulk/plan.js';
import { BULK_ID_PREFIX, resolveBulkIds } from '../../domain/bulk/references.js';
import { parseBulkRequest, type BulkOperation } from '../../domain/bulk/request.js';
import { ScimError } from '../../domain/errors.js';
import { parseProjection, type Projection } from '../../domain/project/attributes.js';
import type { ResourceTypeName, ScimResource } from '../../domain/schema/types.js';
import { isDatabaseUnavailable } from '../../http/database-unavailable.js';
import { fromDatabaseError } from '../../http/scim-exception.filter.js';
import { Database } from '../../storage/database.js';
import { TenantsRepository } from '../../storage/tenants.repository.js';
import { GroupsService, MemberRunRefused, type MemberPatch } from '../groups/groups.service.js';
import { scimRegistry } from '../scim/scim-registry.js';
import { etagOf, locationOf, type RequestScope, type ScimResourceService } from '../scim-http/index.js';
import { UsersService } from '../users/users.service.js';
import { bulkResponse, type BulkOperationResult, type BulkResponse } from './bulk-response.js';

/**
 * What a Bulk operation answers with: the id, version and location only (RFC 7644 §3.7.3 needs no
 * more), so no operation reads a group's members or a user's groups back.
 */
const ANSWERED: Record<ResourceTypeName, Projection> = {
  User: parseProjection(scimRegistry, 'User', { excludedAttributes: 'groups' }),
  Group: parseProjection(scimRegistry, 'Group', { excludedAttributes: 'members' }),
};

const SUCCESS: Record<string, string> = { POST: '201', PUT: '200', PATCH: '200', DELETE: '204' };

/**
 * At most this many operations in flight on the connection: each statement's client-side deadline
 * (statement_timeout plus a margin) runs from when it is sent, so one sent behind thousands of others
 * must not wait for all of them. A hundred pipelined creates already cost about one round trip.
 */
const MAX_IN_FLIGHT = 100;

/** What an operation that ran left for the ones after it: the id its bulkId stands for, or its failure. */
type Outcome = { id: string } | { failed: true };

/** An operation's answer and outcome, and whether it found the database unavailable (stop there). */
interface Answered {
  result: BulkOperationResult;
  outcome: Outcome;
  unavailable?: boolean;
}

/**
 * /Bulk (RFC 7644 §3.7): the operations of one request, each run exactly as the single request it
 * stands for (the same service call, so the same validation, ETags, audit row and events), each its
 * own transaction. They share one connection (Database.shared), on which the transactions that do not
 * have to wait for each other are pipelined: a run of creates costs about one round trip in all.
 *
 * The exception: consecutive PATCHes that only add or remove members of the same group (a run, see
 * domain/bulk/member-runs.ts) are one transaction (GroupsService.patchMemberRun), whose answers, audit
 * rows and events are still each operation's own: 1,000 one-member PATCHes cost about one PATCH of
 * 1,000 members. Likewise consecutive user creates (domain/bulk/create-runs.ts) are one transaction
 * (UsersService.createRun); should it fail (other than a userName taken, which is that create's 409),
 * its creates run one by one as above, so a run is never answered worse than its operations alone.
 */
@Injectable()
export class BulkService {
  private readonly logger = new Logger(BulkService.name);
  private readonly services: Record<ResourceTypeName, ScimResourceService>;

  constructor(
    private readonly db: Database,
    private readonly tenants: TenantsRepository,
    private readonly users: UsersService,
    private readonly groups: GroupsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.services = { User: users, Group: groups };
  }

  /** The operations a request carries (for the rate limit), 400/413 when it is no valid BulkRequest. */
  read(body: unknown) {
    return parseBulkRequest(body, { maxOperations: this.config.bulkMaxOperations });
  }

  async run(scope: RequestScope, request: ReturnType<BulkService['read']>): Promise<BulkResponse> {
    const { operations, failOnErrors } = request;
    const plan = planBulk(operations);
    const results = new Map<number, BulkOperationResult>();
    const outcomes = new Map<number, Outcome>();
    let errors = 0;
    let stopped = false;
    const settle = (op: BulkOperation, result: BulkOperationResult, outcome: Outcome) => {
      results.set(op.index, result);
      outcomes.set(op.index, outcome);
      if ('failed' in outcome) errors++;
    };
    const limitReached = () => stopped || (failOnErrors !== undefined && errors >= failOnErrors);

    // The closing durable transaction holds the tenant as every write does (a row lock: WAL to flush).
    const durable = (tx: Parameters<TenantsRepository['holdForWrite']>[0]) => this.tenants.holdForWrite(tx);
    await this.db.shared(
      scope.tenant.tenantId,
      async () => {
        let inFlight: Promise<void>[] = [];
        const drain = async () => {
          await Promise.all(inFlight);
          inFlight = [];
        };
        for (const step of bulkSteps(plan, operations)) {
          if (limitReached()) break;
          const indexes = step.kind === 'one' ? [step.index] : step.indexes;
          // An operation that names a bulkId waits for the POST that defines it, and so for everything
          // started before it (the order stays the one planned). With failOnErrors, no more operations
          // are in flight than errors may still happen, so none runs after the limit is reached; a run
          // of member PATCHes or creates starts with nothing in flight and is awaited, so it knows how
          // many errors it may still make.
          const waits = indexes.some((index) =>
            (plan.dependsOn.get(index) ?? []).some((dep) => !outcomes.has(dep)),
          );
          const windowFull =
            inFlight.length >= MAX_IN_FLIGHT ||
            (failOnErrors !== undefined && inFlight.length >= failOnErrors - errors) ||
            (failOnErrors !== undefined && step.kind !== 'one' && inFlight.length > 0);
          if (waits || windowFull) {
            await drain();
            if (limitReached()) break;
          }
          const answered = (op: BulkOperation, { result, outcome, unavailable }: Answered) => {
            settle(op, result, outcome);
            if (unavailable) stopped = true;
          };
          if (step.kind === 'memberRun') {
            const ops = step.indexes.map((index) => operations[index]);
            const maxErrors = failOnErrors === undefined ? Infinity : failOnErrors - errors;
            inFlight.push(
              this.runMembers(scope, ops, step.parsed, plan.definedBy, outcomes, maxErrors).then((answers) =>
                answers.forEach((answer, k) => answered(ops[k], answer)),
              ),
            );
            if (failOnErrors !== undefined) await drain();
            continue;
          }
          if (step.kind === 'createRun') {
            const ops = step.indexes.map((index) => operations[index]);
            const maxErrors = failOnErrors === undefined ? Infinity : failOnErrors - errors;
            inFlight.push(
              this.runCreates(scope, ops, plan.definedBy, outcomes, maxErrors).then((answers) =>
                answers.forEach((answer, k) => answered(ops[k], answer)),
              ),
            );
            if (failOnErrors !== undefined) await drain();
            continue;
          }
          const op = operations[step.index];
          const refused = plan.errors.get(step.index);
          if (refused) {
            settle(op, failure(op, refused), { failed: true });
            continue;
          }
          inFlight.push(
            this.runOne(scope, op, plan.definedBy, outcomes).then((answer) => answered(op, answer)),
          );
        }
        await drain();
      },
      durable,
    );
    // In the request's order; operations not run (failOnErrors reached) are left out (§3.7.3).
    return bulkResponse([...results.entries()].sort(([a], [b]) => a - b).map(([, result]) => result));
  }

  /**
   * A run of member PATCHes of one group (consecutive in the plan, see bulkSteps): each operation's
   * bulkIds resolved as runOne does, then all of them in one transaction. Answers the operations run,
   * in order (up to the error that makes `maxErrors`). `parsed`: their bodies as the plan read them,
   * used as they are by the operations that name no bulkId (resolving changes nothing of those).
   */
  private async runMembers(
    scope: RequestScope,
    ops: readonly BulkOperation[],
    parsed: readonly ParsedMemberPatch[],
    definedBy: Map<string, number>,
    outcomes: Map<number, Outcome>,
    maxErrors: number,
  ): Promise<Answered[]> {
    const resolve = resolverOf(definedBy, outcomes);
    // The same path text in every operation of the run: the same group, or the same unresolved bulkId.
    let id: string | undefined;
    let unresolved: unknown;
    try {
      id = idOf(ops[0], resolve);
    } catch (error) {
      unresolved = error;
    }
    const patches: MemberPatch[] = ops.map((op, k) => {
      const opScope = operationScope(scope, op);
      if (unresolved !== undefined) return { scope: opScope, error: unresolved };
      if (op.references.length === 0) {
        const read = parsed[k];
        return 'error' in read
          ? { scope: opScope, error: read.error }
          : { scope: opScope, operations: read.operations, ifMatch: op.version };
      }
      try {
        return { scope: opScope, body: resolveBulkIds(op.data, resolve), ifMatch: op.version };
      } catch (error) {
        return { scope: opScope, error };
      }
    });
    const failed = (op: BulkOperation, error: unknown): Answered => ({
      result: failure(op, this.asScimError(error, scope)),
      outcome: { failed: true },
      unavailable: isDatabaseUnavailable(error),
    });
    if (id === undefined)
      return ops.slice(0, Math.min(ops.length, maxErrors)).map((op, k) => failed(op, patches[k].error));
    // As PostgreSQL prints the uuid (what the single PATCH's answer carries, from the row).
    const group = id.toLowerCase();
    try {
      const answers = await this.groups.patchMemberRun(scope, group, patches, maxErrors);
      return answers.map((answer, k) =>
        'error' in answer
          ? failed(ops[k], answer.error)
          : {
              result: {
                method: ops[k].method,
                ...(ops[k].bulkId !== undefined ? { bulkId: ops[k].bulkId } : {}),
                version: etagOf(answer.version),
                location: locationOf(scope.baseUrl, 'Group', group),
                status: SUCCESS.PATCH,
              },
              outcome: { id: group },
            },
      );
    } catch (error) {
      if (error instanceof MemberRunRefused) return this.oneByOne(scope, ops, definedBy, outcomes, maxErrors);
      // Nothing of the run was written: each operation answers with what stopped it.
      return ops.map((op, k) => failed(op, patches[k].error ?? error));
    }
  }

  /**
   * A run of user creates (consecutive in the plan, see bulkSteps; their data names no bulkId) in one
   * transaction. Answers the operations run, in order (up to the error that makes `maxErrors`); when
   * the transaction fails, the run's operations one by one instead.
   */
  private async runCreates(
    scope: RequestScope,
    ops: readonly BulkOperation[],
    definedBy: Map<string, number>,
    outcomes: Map<number, Outcome>,
    maxErrors: number,
  ): Promise<Answered[]> {
    const creates = ops.map((op) => ({ scope: operationScope(scope, op), body: op.data }));
    let answers;
    try {
      answers = await this.users.createRun(scope, creates, maxErrors);
    } catch (error) {
      this.logger.warn(
        { err: error, requestId: scope.tenant.requestId },
        'a run of user creates failed; its operations run one by one',
      );
      return this.oneByOne(scope, ops, definedBy, outcomes, maxErrors);
    }
    return answers.map((answer, k): Answered => {
      const op = ops[k];
      if ('error' in answer)
        return {
          result: failure(op, this.asScimError(answer.error, scope)),
          outcome: { failed: true },
        };
      return {
        result: {
          method: op.method,
          ...(op.bulkId !== undefined ? { bulkId: op.bulkId } : {}),
          version: etagOf(answer.version),
          location: locationOf(scope.baseUrl, 'User', answer.id),
          status: SUCCESS.POST,
        },
        outcome: { id: answer.id },
      };
    });
  }

  /** The operations of a run that cannot be one (MemberRunRefused), each alone, one after another. */
  private async oneByOne(
    scope: RequestScope,
    ops: readonly BulkOperation[],
    definedBy: Map<string, number>,
    outcomes: Map<number, Outcome>,
    maxErrors: number,
  ): Promise<Answered[]> {
    const answers: Answered[] = [];
    let errors = 0;
    for (const op of ops) {
      if (errors >= maxErrors) break;
      const answer = await this.runOne(scope, op, definedBy, outcomes);
      answers.push(answer);
      if ('failed' in answer.outcome) errors++;
      if (answer.unavailable) break;
    }
    return answers;
  }

  private async runOne(
    scope: RequestScope,
    op: BulkOperation,
    definedBy: Map<string, number>,
    outcomes: Map<number, Outcome>,
  ): Promise<Answered> {
    try {
      const resolve = resolverOf(definedBy, outcomes);
      const type = op.resourceType!;
      const service = this.services[type];
      const id = idOf(op, resolve);
      const data = op.data === undefined ? undefined : resolveBulkIds(op.data, resolve);
      const opScope = operationScope(scope, op);
      let resource: ScimResource | undefined;
      switch (op.method) {
        case 'POST':
          resource = await service.create(opScope, data, ANSWERED[type]);
          break;
        case 'PUT':
          resource = await service.replace(opScope, id!, data, op.version, ANSWERED[type]);
          break;
        case 'PATCH':
          resource = await service.patch(opScope, id!, data, op.version, ANSWERED[type]);
          break;
        default:
          await service.delete(opScope, id!, op.version);
      }
      const meta = resource?.meta as { version?: string; location?: string } | undefined;
      const location = meta?.location ?? locationOf(scope.baseUrl, type, id!);
      const result: BulkOperationResult = {
        method: op.method,
        ...(op.bulkId !== undefined ? { bulkId: op.bulkId } : {}),
        ...(meta?.version ? { version: meta.version } : {}),
        location,
        status: SUCCESS[op.method],
      };
      return { result, outcome: { id: (resource?.id as string | undefined) ?? id! } };
    } catch (error) {
      const unavailable = isDatabaseUnavailable(error);
      return { result: failure(op, this.asScimError(error, scope)), outcome: { failed: true }, unavailable };
    }
  }

  /** The error an operation is answered with, as the exception filter would answer its single request. */
  private asScimError(error: unknown, scope: RequestScope): ScimError {
    if (error instanceof ScimError) return error;
    const known = fromDatabaseError(error);
    if (known) return known;
    if (isDatabaseUnavailable(error)) {
      this.logger.warn({ err: error, requestId: scope.tenant.requestId }, 'database unavailable');
      return new ScimError(503, 'The database is unavailable; retry after the Retry-After delay');
    }
    this.logger.error(
      { err: error, requestId: scope.tenant.requestId },
      'unhandled error in a bulk operation',
    );
    return new ScimError(500, 'Internal server error; the request id identifies it in the server log');
  }
}

/** Resolves a bulkId to the id its POST created; 409 when that POST failed. */
function resolverOf(definedBy: Map<string, number>, outcomes: Map<number, Outcome>) {
  return (bulkId: string): string => {
    const outcome = outcomes.get(definedBy.get(bulkId)!);
    if (outcome && 'id' in outcome) return outcome.id;
    throw new ScimError(
      409,
      `bulkId "${bulkId}" cannot be resolved: operation ${definedBy.get(bulkId)} that creates it failed.`,
    );
  };
}

/** The id an operation's path names, its bulkId resolved. */
function idOf(op: BulkOperation, resolve: (bulkId: string) => string): string | undefined {
  return op.id?.startsWith(BULK_ID_PREFIX) ? resolve(op.id.slice(BULK_ID_PREFIX.length)) : op.id;
}

/** Each operation is audited and evented as its own request: the Bulk's request id and its index. */
function operationScope(scope: RequestScope, op: BulkOperation): RequestScope {
  return { ...scope, tenant: { ...scope.tenant, requestId: `${scope.tenant.requestId}/${op.index}` } };
}

function failure(op: BulkOperation, error: ScimError): BulkOperationResult {
  return {
    method: op.method,
    ...(op.bulkId !== undefined ? { bulkId: op.bulkId } : {}),
    status: String(error.status),
    response: error.toJSON(),
  };
}
