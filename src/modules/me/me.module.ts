import { Module } from '@nestjs/common';
import { ScimHttpModule } from '../scim-http/scim-http.module.js';
import { MeController } from './me.controller.js';

/** /scim/v2/Me: 501 for every method (API keys have no subject). */
@Module({
  imports: [ScimHttpModule],
  controllers: [MeController],
})
export class MeModule {}
