import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags, HealthCheckResponses } from '../../openapi/doc-decorators.js';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Database } from '../../storage/database.js';

/**
 * Liveness and readiness probes (no auth): for load balancers, Docker HEALTHCHECK and Kubernetes.
 * `swaggerDocumentation: false` keeps terminus from loading @nestjs/swagger into the server;
 * HealthCheckResponses documents the same responses for the OpenAPI generator.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: Database,
  ) {}

  /** The process is up and serving HTTP. */
  @Get('live')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @HealthCheckResponses()
  // Probes are public: `security: []` overrides nothing but says so in the document.
  @ApiOperation({ operationId: 'getLiveness', summary: 'Liveness probe', security: [] })
  live() {
    return this.health.check([]);
  }

  /** The database answers and every migration is applied; 503 otherwise. */
  @Get('ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @HealthCheckResponses()
  @ApiOperation({
    operationId: 'getReadiness',
    summary: 'Readiness probe: the database answers and migrations are applied',
    security: [],
  })
  ready() {
    return this.health.check([
      () =>
        this.indicators
          .check('database')
          .attempt(async () => {
            await this.db.ping();
          })
          .withTimeout(2000),
      () =>
        this.indicators
          .check('migrations')
          .attempt(async () => {
            const pending = await this.db.pendingMigrations();
            if (pending > 0) throw new Error(`${pending} migration(s) pending`);
          })
          .withTimeout(2000),
    ]);
  }
}
