// The server's process, loaded by main.ts once its guards have run.
import 'reflect-metadata';
import { ConfigError, loadConfig, type AppConfig } from './config/config.js';
import { takeOverShutdownSignals } from './database/embedded-postgres.js';
import { releaseYoungGeneration } from './runtime/young-generation.js';
import { readyBanner, startServer } from './server.js';

const SHUTDOWN_GRACE_MS = 25_000;

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(`configuration error: ${error.message}`);
    throw error;
  }
  // We drain HTTP before the embedded database stops, so the signals are ours to handle.
  takeOverShutdownSignals();

  const server = await startServer(config, (line) => console.log(line)).catch((error: unknown) =>
    fail(`start failed: ${describe(error)}`),
  );
  installShutdown(server.stop);
  releaseYoungGeneration();
  // Last, after every start-up log line.
  server.print(readyBanner(server));
}

function installShutdown(shutdown: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received: draining requests and stopping`);
    setTimeout(() => fail('shutdown took too long; exiting'), SHUTDOWN_GRACE_MS).unref();
    shutdown().then(
      () => {
        console.log('stopped');
        process.exit(0);
      },
      (error: unknown) => fail(`shutdown failed: ${describe(error)}`),
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

await main();
