import { describe, expect, it } from 'vitest';
import { findYamlPath, locateInYaml, parseConfigYaml } from '../../src/repo-config/yaml-document.ts';

function parsed(text: string) {
  const result = parseConfigYaml(text, 'f.yml');
  if (!result.ok) throw new Error(result.errors.map((error) => error.message).join('\n'));
  return result.yaml;
}

describe('parseConfigYaml', () => {
  it('gives the data and keeps an empty file null', () => {
    expect(parsed('a: [1, {b: c}]\n').value).toEqual({ a: [1, { b: 'c' }] });
    expect(parsed('').value).toBeNull();
    expect(parsed('# only a comment\n').value).toBeNull();
  });

  it('reads YAML 1.2: on, yes and no are strings', () => {
    expect(parsed('on: yes\nmanual: no\n').value).toEqual({ on: 'yes', manual: 'no' });
  });

  it('reports an unknown tag as a warning with its position', () => {
    const yaml = parsed('a: !custom x\n');
    expect(yaml.warnings).toEqual([expect.objectContaining({ file: 'f.yml', line: 1, column: 4 })]);
  });

  it('reports each duplicate key, even among many keys', () => {
    const keys = Array.from({ length: 5_000 }, (_, i) => `k${i}: 1`);
    const result = parseConfigYaml(`${keys.join('\n')}\nk42: 2\nk7: 3\n`, 'f.yml');
    expect(result.ok === false && result.errors.map((error) => [error.line, error.message])).toEqual([
      [5_001, 'duplicate key "k42" (first defined at line 43, column 1); each key may appear once in a mapping'],
      [5_002, 'duplicate key "k7" (first defined at line 8, column 1); each key may appear once in a mapping'],
    ]);
  });

  it('refuses an anchor referenced more than the alias budget allows', () => {
    const many = `x: &x 1\nlist: [${Array(51).fill('*x').join(', ')}]\n`;
    expect(parseConfigYaml(many, 'f.yml').ok).toBe(false);
    const few = `x: &x 1\nlist: [${Array(20).fill('*x').join(', ')}]\n`;
    expect(parseConfigYaml(few, 'f.yml').ok).toBe(true);
  });
});

describe('finding config paths', () => {
  const yaml = parsed(['base: &base', '  timeout: 20m', 'pipelines:', '  ci:', '    stages: [a, b]', '    reuse: *base', '    empty:', ''].join('\n'));
  const locate = locateInYaml(yaml);

  it('points at keys and values', () => {
    expect(locate(['pipelines', 'ci'], 'key')).toEqual({ file: 'f.yml', line: 4, column: 3 });
    expect(locate(['pipelines', 'ci', 'stages', 1], 'value')).toEqual({ file: 'f.yml', line: 5, column: 17 });
  });

  it('points at the key of an empty value', () => {
    expect(locate(['pipelines', 'ci', 'empty'], 'value')).toEqual({ file: 'f.yml', line: 7, column: 5 });
  });

  it('points at the mapping that lacks a key', () => {
    expect(locate(['pipelines', 'ci', 'missing'], 'value')).toEqual({ file: 'f.yml', line: 4, column: 3 });
    expect(findYamlPath(yaml.document, ['pipelines', 'ci', 'missing']).depth).toBe(2);
  });

  it('follows aliases to the anchored node', () => {
    expect(locate(['pipelines', 'ci', 'reuse', 'timeout'], 'value')).toEqual({ file: 'f.yml', line: 2, column: 12 });
  });

  it('points at the start of the document for the root', () => {
    expect(locate([], 'value')).toEqual({ file: 'f.yml', line: 1, column: 1 });
  });
});
