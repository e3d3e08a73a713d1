// @ts-check
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';

/** Packages that talk to PostgreSQL: only the storage layer (and the database setup) may import them. */
const DATABASE_PACKAGES = ['kysely', 'kysely/*', 'pg', 'pg-pool', 'pg-cursor', '@mikro-orm/*'];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      '.dist-*/**',
      'node_modules/**',
      'coverage/**',
      '.data/**',
      'clients/typescript/dist/**',
      'bench/node_modules/**',
      'bench/.data/**',
      'bench/results/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    // The web console (React in the browser): the rules of hooks, and no way to the server but the
    // generated client (console/src/api/client.ts).
    files: ['console/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
  },
  {
    files: ['console/src/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-globals': [
        'error',
        {
          name: 'fetch',
          message: 'The console calls the server through the generated client (api/client.ts).',
        },
        { name: 'localStorage', message: 'Nothing of a session is kept in storage: the cookie is httpOnly.' },
        {
          name: 'sessionStorage',
          message: 'Nothing of a session is kept in storage: the cookie is httpOnly.',
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'window', property: 'fetch', message: 'Use the generated client (api/client.ts).' },
        { object: 'window', property: 'localStorage', message: 'Nothing of a session is kept in storage.' },
        { object: 'window', property: 'sessionStorage', message: 'Nothing of a session is kept in storage.' },
      ],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    // The layers (README "Architecture"): HTTP → modules → repositories → PostgreSQL, the domain
    // beside them. No two files import each other, however indirectly; the domain imports nothing
    // outside itself; modules never reach each other's tables (there are no entity files outside
    // src/storage, and only src/storage issues SQL).
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // The graph is followed through TypeScript files, parsed like the linted ones.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // Relative imports end in .js and name a .ts file (ESM with TypeScript sources).
      'import-x/resolver-next': [
        createNodeResolver({ extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } }),
      ],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/domain',
              from: './src',
              except: ['./domain'],
              message: 'src/domain depends on nothing: pass what it needs in (the registry, column maps).',
            },
            {
              target: './src/storage',
              from: ['./src/modules', './src/http', './src/openapi', './src/cli'],
              message: 'The storage layer uses no module: modules call repositories, not the other way.',
            },
            {
              target: ['./src/modules', './src/http', './src/openapi'],
              from: './src/storage/entities',
              message: 'Entities belong to the storage layer: call the table’s repository.',
            },
          ],
        },
      ],
    },
  },
  {
    // The SCIM core is framework-free: it must stay testable without Nest or MikroORM.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*', '@mikro-orm/*', 'fastify', 'pg', 'kysely'],
              message: 'src/domain is framework-free.',
            },
          ],
        },
      ],
    },
  },
  {
    // Only repositories issue SQL: modules and the HTTP layer go through src/storage.
    files: ['src/modules/**/*.ts', 'src/http/**/*.ts', 'src/openapi/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: DATABASE_PACKAGES,
              message: 'Only src/storage talks to PostgreSQL: use a repository (or Database).',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='sql'], MemberExpression[property.name='builder']",
          message: 'Only repositories issue SQL: add a repository method instead.',
        },
      ],
    },
  },
);
