import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  // Specs and examples import the package by name, as users do.
  moduleNameMapper: {
    '^rxchat$': '<rootDir>/src/index.ts',
    '^rxchat/testing$': '<rootDir>/src/testing/index.ts',
  },
  // Integration specs open real sockets and spawn processes; two workers fit the 2-core machine.
  maxWorkers: 2,
  testTimeout: 20_000,
};

export default config;
