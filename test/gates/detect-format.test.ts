import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/gates/detect-format.ts';
import { reportFixture } from './fixture.ts';

describe('detectFormat', () => {
  it.each([
    ['jest/coverage-summary.json', 'istanbul'],
    ['c8/coverage-summary.json', 'istanbul'],
    ['edge-cases/istanbul-unknown-pct.json', 'istanbul'],
    ['jest/cobertura-coverage.xml', 'cobertura'],
    ['coverage.py/coverage.xml', 'cobertura'],
    ['cobertura-java/cobertura.xml', 'cobertura'],
    ['jest/lcov.info', 'lcov'],
    ['edge-cases/lcov-v2-string-branches-repeated-sf.info', 'lcov'],
    ['jest/junit.xml', 'junit'],
    ['vitest/junit.xml', 'junit'],
    ['pytest/junit-xunit2.xml', 'junit'],
    ['mocha/junit.xml', 'junit'],
    ['surefire/TEST-com.acme.CartTest.xml', 'junit'],
    ['edge-cases/xml-entity-bomb.xml', 'junit'],
    ['edge-cases/xml-external-entity.xml', 'cobertura'],
    ['eslint/eslint.sarif', 'sarif'],
    ['codeql/codeql.sarif', 'sarif'],
    ['trivy/trivy.sarif', 'sarif'],
    ['edge-cases/sarif-security-severity-undefined.sarif', 'sarif'],
    ['edge-cases/benchmark-object.json', 'benchmark'],
    ['edge-cases/benchmark-array.json', 'benchmark'],
  ])('detects %s as %s', (path, format) => {
    expect(detectFormat(reportFixture(path))).toBe(format);
  });

  it.each([
    ['', null],
    ['<html><body/></html>', null],
    ['just some text', null],
    ['\uFEFF<?xml version="1.0"?><!-- c --><testsuite/>', 'junit'],
    ['# comment\nTN:\nSF:a.c\n', 'lcov'],
  ])('detects %j as %s', (text, format) => {
    expect(detectFormat(text)).toBe(format);
  });
});
