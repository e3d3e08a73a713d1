import { createScimRegistry } from '../../src/domain/schema/registry.js';

/** This server's schema registry, as the application creates it, for the unit tests. */
export const registry = createScimRegistry();
