// The browser suite (npm run test:browser): the built server as a real process on a private embedded
// PostgreSQL, driven through the console in Chromium (playwright-core with the system's chromium,
// CHROMIUM_PATH or /usr/bin/chromium). Apart from `npm test`: it needs that browser.
import base from './jest.config.js';

const reliability = base.projects.find((project) => project.displayName === 'reliability');

export default {
  testTimeout: 180000,
  maxWorkers: 1,
  projects: [
    {
      ...reliability,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.test.ts'],
      // Builds dist/ (server and console) when its sources changed, like the reliability suites.
      globalSetup: '<rootDir>/test/reliability/support/global-setup.ts',
    },
  ],
};
