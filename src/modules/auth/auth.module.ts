import { Module } from '@nestjs/common';
import { ApiKeyInvalidations } from '../../storage/api-key-invalidations.js';
import { RateLimitCounters } from '../../storage/rate-limit-counters.js';
import { StorageModule } from '../../storage/storage.module.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { ApiKeyStrategy } from './api-key.strategy.js';
import { ApiKeysService } from './api-keys.service.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';
import { TenantRateLimiter } from './tenant-rate-limiter.js';

/** Tenant API keys: SCIM modules import it and put @UseGuards(ApiKeyGuard) on their controllers. */
@Module({
  imports: [StorageModule],
  providers: [
    ApiKeysService,
    ApiKeyInvalidations,
    RateLimitCounters,
    ApiKeyStrategy,
    ApiKeyGuard,
    TenantRateLimiter,
    FailedAuthLimiter,
  ],
  exports: [ApiKeysService, ApiKeyGuard, TenantRateLimiter, FailedAuthLimiter],
})
export class AuthModule {}
