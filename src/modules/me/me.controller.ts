import { Controller, Delete, Get, Patch, Post, Put } from '@nestjs/common';
import { ScimError } from '../../domain/errors.js';
import { ApiTags } from '../../openapi/doc-decorators.js';
import { MeOperationDoc } from '../../openapi/bulk-operation.decorators.js';
import { ScimEndpoint } from '../scim-http/index.js';

/**
 * /Me (RFC 7644 §3.11) stands for the resource of the authenticated subject. A tenant API key is no
 * user, so there is none: every method answers 501 Not Implemented, as §3.11 says a service provider
 * that does not support /Me does.
 */
@ApiTags('Users')
@ScimEndpoint()
@Controller('scim/v2/Me')
export class MeController {
  @Get()
  @MeOperationDoc('GET')
  getMe(): never {
    throw notImplemented();
  }

  @Post()
  @MeOperationDoc('POST')
  createMe(): never {
    throw notImplemented();
  }

  @Put()
  @MeOperationDoc('PUT')
  replaceMe(): never {
    throw notImplemented();
  }

  @Patch()
  @MeOperationDoc('PATCH')
  patchMe(): never {
    throw notImplemented();
  }

  @Delete()
  @MeOperationDoc('DELETE')
  deleteMe(): never {
    throw notImplemented();
  }
}

function notImplemented(): ScimError {
  return new ScimError(
    501,
    '/Me is not supported: requests authenticate with a tenant API key, which stands for no user (RFC 7644 §3.11)',
  );
}
