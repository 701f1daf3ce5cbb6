import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildJsonSchema, renderJsonSchema } from '../../src/repo-config/json-schema.ts';

const schemaFile = new URL('../../schema/shipgate.schema.json', import.meta.url);

describe('schema/shipgate.schema.json', () => {
  it('is up to date with the zod schema', () => {
    const committed = readFileSync(schemaFile, 'utf8');
    expect(committed === renderJsonSchema(), 'schema/shipgate.schema.json is stale: run `npm run schema` and commit the result').toBe(true);
  });

  it('describes every field', () => {
    const missing: string[] = [];
    const visit = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object') return;
      const schema = node as Record<string, unknown>;
      for (const [key, value] of Object.entries((schema['properties'] ?? {}) as Record<string, Record<string, unknown>>)) {
        const described = typeof value['description'] === 'string' || (value['anyOf'] as Array<Record<string, unknown>> | undefined)?.some((option) => typeof option['description'] === 'string');
        if (!described) missing.push(`${path}.${key}`);
        visit(value, `${path}.${key}`);
      }
      for (const key of ['additionalProperties', 'items', 'propertyNames']) visit(schema[key], `${path}/${key}`);
      for (const key of ['anyOf', 'oneOf']) (schema[key] as unknown[] | undefined)?.forEach((option, index) => visit(option, `${path}/${key}${index}`));
    };
    visit(buildJsonSchema(), '');
    expect(missing).toEqual([]);
  });

  it('leaves keys with defaults optional and accepts the examples', () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(buildJsonSchema());
    for (const name of ['minimal', 'full', 'monorepo']) {
      const example: unknown = parse(readFileSync(new URL(`../../examples/${name}.yml`, import.meta.url), 'utf8'));
      expect(validate(example), `${name}.yml: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
    expect(validate({ pipelines: { ci: { on: { push: null }, stages: { a: { jobs: { x: { workflow: 'a.yml' } } } } } } })).toBe(true);
    expect(validate({ pipline: {} })).toBe(false);
  });

  it('lets editors flag a job without exactly one kind, and inputs on a job that is not a workflow', () => {
    const validate = new Ajv2020({ strict: false }).compile(buildJsonSchema());
    const withJob = (job: unknown) => ({ pipelines: { ci: { on: { manual: true }, stages: { a: { jobs: { x: job } } } } } });
    expect(validate(withJob({ workflow: 'a.yml', inputs: { target: 'app' } }))).toBe(true);
    expect(validate(withJob({ jenkins: { job: 'platform/build-legacy', parameters: { TARGET: '${{ shipgate.sha }}' } }, timeout: '40m', retries: 1 }))).toBe(true);
    expect(validate(withJob({ gitlab: { project: 42 } }))).toBe(true);
    expect(validate(withJob({ gitlab: { project: 'acme/mobile', ref: 'main', variables: { FLAVOR: 'release' } } }))).toBe(true);
    expect(validate(withJob({ webhook: { url: 'https://scanner.example.com/shipgate', payload: { profile: 'strict' } } }))).toBe(true);

    expect(validate(withJob({ timeout: '5m' }))).toBe(false);
    expect(validate(withJob({ workflow: 'a.yml', jenkins: { job: 'a' } }))).toBe(false);
    expect(validate(withJob({ gitlab: { project: 1 }, webhook: { url: 'https://h.example' } }))).toBe(false);
    expect(validate(withJob({ jenkins: { job: 'a' }, inputs: {} }))).toBe(false);
    expect(validate(withJob({ jenkins: { job: 'a/../b' } }))).toBe(false);
    expect(validate(withJob({ jenkins: { job: 'a', parameters: { SHIPGATE_RUN: 'x' } } }))).toBe(false);
    expect(validate(withJob({ gitlab: { project: 'mobile' } }))).toBe(false);
    expect(validate(withJob({ gitlab: { project: 1, variables: { SHIPGATE_RUN: 'x' } } }))).toBe(false);
    expect(validate(withJob({ gitlab: { project: 1, ref: 'a..b' } }))).toBe(false);
    expect(validate(withJob({ webhook: { url: 'https://u:p@h.example/x' } }))).toBe(false);
    expect(validate(withJob({ webhook: { url: 'https://h.example/x#y' } }))).toBe(false);
  });
});
