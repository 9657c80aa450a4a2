// @faker-js/faker is pinned to 9.x on purpose: it is the last major that ships CommonJS, which this
// package compiles to (and which jest/ts-jest load without an ESM setup); 10.x is ESM-only.
import { Faker, en } from '@faker-js/faker';
import type { NameSource } from '../core/names';

/** Faker usernames as a name source; pass a seed for a repeatable sequence. */
export function fakerNames(seed?: number): NameSource {
  const faker = new Faker({ locale: en });
  if (seed !== undefined) faker.seed(seed);
  return () => faker.internet.username();
}
