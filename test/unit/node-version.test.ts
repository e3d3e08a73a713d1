import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import ts from 'typescript';
import { MINIMUM_NODE, satisfiesMinimum } from '../../src/config/node-version.js';

describe('the Node.js version check at start', () => {
  it.each([
    ['20.20.2', false],
    ['22.16.9', false],
    ['22.17.0', true],
    ['22.18.1', true],
    ['24.21.0', true],
    ['v24.0.0', true],
    ['100.0.0', true],
  ])('Node.js %s is %s', (version, ok) => {
    expect(satisfiesMinimum(version)).toBe(ok);
  });

  it('accepts the Node.js that runs the tests (the pinned one)', () => {
    expect(satisfiesMinimum(process.versions.node, MINIMUM_NODE)).toBe(true);
  });
});

describe('every entry point checks the Node.js version before anything else', () => {
  // ES modules are evaluated in import order: the check must be the first import, or a module
  // imported before it can fail first on a too old Node.js with an obscure error.
  it.each(['src/main.ts', 'src/cli/main.ts', 'src/database/bin/migrations.ts'])('%s', (entry) => {
    const source = ts.createSourceFile(entry, readFileSync(entry, 'utf8'), ts.ScriptTarget.Latest);
    const imports = source.statements
      .filter((statement) => ts.isImportDeclaration(statement))
      .filter((statement) => !statement.importClause?.isTypeOnly)
      .map((statement) => (statement.moduleSpecifier as ts.StringLiteral).text);
    expect(imports.length).toBeGreaterThan(1);
    expect(resolve(dirname(entry), imports[0])).toBe(resolve('src/config/node-version.js'));
  });
});
