import { Inject, Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { AppConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { ScimError } from '../../domain/errors.js';
import { StorageModule } from '../../storage/storage.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { GroupsModule } from '../groups/groups.module.js';
import { ScimHttpModule } from '../scim-http/scim-http.module.js';
import { UsersModule } from '../users/users.module.js';
import { BulkController } from './bulk.controller.js';
import { BulkService } from './bulk.service.js';

export const BULK_PATH = '/scim/v2/Bulk';

/** The RFC 7644 §3.7.4 error of a Bulk body over maxPayloadSize. */
export function payloadTooLarge(maxPayloadSize: number): ScimError {
  return new ScimError(413, `The size of the bulk operation exceeds the maxPayloadSize (${maxPayloadSize}).`);
}

/**
 * /Bulk: its body limit is bulk.maxPayloadSize (BULK_MAX_PAYLOAD_BYTES), which may exceed the
 * server's BODY_LIMIT. Set on the route as Fastify registers it (before Nest's routes are added at
 * init); a body announced larger is refused before it is read, with the RFC's error.
 */
@Module({
  imports: [StorageModule, ScimHttpModule, AuthModule, UsersModule, GroupsModule],
  controllers: [BulkController],
  providers: [BulkService],
})
export class BulkModule {
  constructor(adapterHost: HttpAdapterHost, @Inject(APP_CONFIG) config: AppConfig) {
    const fastify = adapterHost.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    const limit = config.bulkMaxPayloadBytes;
    fastify?.addHook('onRoute', (route) => {
      if (route.url !== BULK_PATH) return;
      route.bodyLimit = limit;
      const announced: NonNullable<typeof route.preParsing> = (request, _reply, payload, done) => {
        const length = Number(request.headers['content-length']);
        if (Number.isFinite(length) && length > limit) return done(payloadTooLarge(limit), payload);
        done(null, payload);
      };
      route.preParsing = [announced, ...[route.preParsing ?? []].flat()];
    });
  }
}
