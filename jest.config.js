/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  setupFiles: ['reflect-metadata'],
  testTimeout: 30000,
  // Tests that start processes or bind ports must not starve each other on a 2-core machine.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/tests/reporters/summary-line.js'],
};
