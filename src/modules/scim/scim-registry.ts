import { createScimRegistry } from '../../domain/schema/registry.js';

/**
 * The schema registry of this server, created once here and passed to every domain call (validation,
 * PATCH, projection, filters, discovery, the OpenAPI document). The domain holds no instance of its own,
 * so its tests can run any part of it against another registry.
 */
export const scimRegistry = createScimRegistry();
