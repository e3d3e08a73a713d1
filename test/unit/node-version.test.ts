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
