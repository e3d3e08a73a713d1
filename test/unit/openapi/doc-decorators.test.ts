import 'reflect-metadata';
import * as swagger from '@nestjs/swagger';
import * as terminus from '@nestjs/terminus';
import {
  ApiOperation,
  ApiProperty,
  ApiResponse,
  ApiTags,
  replayDocDecorators,
} from '../../../src/openapi/doc-decorators.js';

class Thing {
  @ApiProperty({ description: 'first' })
  first!: string;

  @ApiProperty({ type: () => Number, required: false })
  second?: number;
}

@ApiTags('things')
class ThingController {
  @ApiResponse({ status: 200, description: 'applied second' })
  @ApiResponse({ status: 404, description: 'applied first' })
  @ApiOperation({ operationId: 'getThing' })
  get() {
    return new Thing();
  }
}

const { DECORATORS } = swagger;

describe('the recorded OpenAPI decorators', () => {
  const get = Object.getOwnPropertyDescriptor(ThingController.prototype, 'get')?.value as object;

  it('leave no OpenAPI metadata until they are replayed', () => {
    expect(Reflect.getMetadata(DECORATORS.API_TAGS, ThingController)).toBeUndefined();
    expect(Reflect.getMetadata(DECORATORS.API_OPERATION, get)).toBeUndefined();
    expect(Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, Thing.prototype)).toBeUndefined();
  });

  it('replay as the real decorators, in the order they were applied, once', () => {
    replayDocDecorators({ swagger, terminus });
    replayDocDecorators({ swagger, terminus });
    expect(Reflect.getMetadata(DECORATORS.API_TAGS, ThingController)).toEqual(['things']);
    expect(Reflect.getMetadata(DECORATORS.API_OPERATION, get)).toMatchObject({ operationId: 'getThing' });
    expect(Object.keys(Reflect.getMetadata(DECORATORS.API_RESPONSE, get) as object)).toEqual(['200', '404']);
    expect(Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, Thing.prototype)).toEqual([
      ':first',
      ':second',
    ]);
    expect(Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, Thing.prototype, 'first')).toMatchObject({
      description: 'first',
      // From the design:type metadata the compiler emitted for the property.
      type: String,
    });
  });
});
