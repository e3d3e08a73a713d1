// First: on a too old Node.js, say so in one line before anything else can fail obscurely.
import './config/node-version.js';
// Then, before the server's modules load, hold V8's young generation at its initial size (see there).
import './runtime/young-generation.js';

// Only now the server's modules load: static imports would all be loaded and compiled before the two
// above run.
await import('./serve.js');
