import type * as Swagger from '@nestjs/swagger';
import type * as Terminus from '@nestjs/terminus';

/**
 * The OpenAPI decorators of the controllers and DTOs, without loading @nestjs/swagger (and es-toolkit,
 * js-yaml) into the server: only `npm run openapi` and the tests build the document. At run time each
 * decorator only records where it was applied and with what; buildOpenApi replays every record with the
 * real decorator, in the order they were applied, before it reads the metadata.
 */
type SwaggerDecoratorName =
  | 'ApiBearerAuth'
  | 'ApiBody'
  | 'ApiCookieAuth'
  | 'ApiConsumes'
  | 'ApiCreatedResponse'
  | 'ApiHeader'
  | 'ApiNoContentResponse'
  | 'ApiOkResponse'
  | 'ApiOperation'
  | 'ApiParam'
  | 'ApiProduces'
  | 'ApiProperty'
  | 'ApiPropertyOptional'
  | 'ApiQuery'
  | 'ApiResponse'
  | 'ApiTags';

/** What the replay calls the records with: the real decorator factories. */
export interface RealDecorators {
  swagger: typeof Swagger;
  terminus: typeof Terminus;
}

type Decorate = (...target: unknown[]) => unknown;

interface Applied {
  real: (decorators: RealDecorators) => Decorate;
  /** The decorator's own arguments: (class) or (prototype, key) or (prototype, key, descriptor). */
  target: unknown[];
}

const applied: Applied[] = [];
let replayed = 0;

function record(real: (decorators: RealDecorators) => Decorate): Decorate {
  return (...target: unknown[]) => {
    applied.push({ real, target });
    // Nothing returned: the class, property or method stays as it is.
    return undefined;
  };
}

function recorded<N extends SwaggerDecoratorName>(name: N): (typeof Swagger)[N] {
  return ((...args: unknown[]) =>
    record(({ swagger }) =>
      (swagger[name] as (...decoratorArgs: unknown[]) => Decorate)(...args),
    )) as unknown as (typeof Swagger)[N];
}

export const ApiBearerAuth = recorded('ApiBearerAuth');
export const ApiBody = recorded('ApiBody');
export const ApiCookieAuth = recorded('ApiCookieAuth');
export const ApiConsumes = recorded('ApiConsumes');
export const ApiCreatedResponse = recorded('ApiCreatedResponse');
export const ApiHeader = recorded('ApiHeader');
export const ApiNoContentResponse = recorded('ApiNoContentResponse');
export const ApiOkResponse = recorded('ApiOkResponse');
export const ApiOperation = recorded('ApiOperation');
export const ApiParam = recorded('ApiParam');
export const ApiProduces = recorded('ApiProduces');
export const ApiProperty = recorded('ApiProperty');
export const ApiPropertyOptional = recorded('ApiPropertyOptional');
export const ApiQuery = recorded('ApiQuery');
export const ApiResponse = recorded('ApiResponse');
export const ApiTags = recorded('ApiTags');

/**
 * The responses @nestjs/terminus' @HealthCheck() documents (200 and 503 with its health check schema),
 * for a route marked `@HealthCheck({ noCache: true, swaggerDocumentation: false })`: without that option
 * terminus loads @nestjs/swagger itself.
 */
export function HealthCheckResponses(): MethodDecorator {
  return record(
    ({ terminus }) => terminus.HealthCheck({ noCache: false, swaggerDocumentation: true }) as Decorate,
  ) as MethodDecorator;
}

/** Applies, once, every decorator recorded since the last replay, in the order they were applied. */
export function replayDocDecorators(decorators: RealDecorators): void {
  for (; replayed < applied.length; replayed++) {
    const { real, target } = applied[replayed]!;
    real(decorators)(...target);
  }
}
