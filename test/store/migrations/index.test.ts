import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../src/store/migrations/index.ts';

const migrationsDir = new URL('../../../src/store/migrations/', import.meta.url);
const MIGRATION_FILE = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-[a-z0-9-]+\.ts$/;

describe('the migration index', () => {
  it('lists exactly the migration files, under their file names', async () => {
    const files = (await readdir(migrationsDir)).filter((file) => file.endsWith('.ts'));
    const migrationFiles = files.filter((file) => MIGRATION_FILE.test(file));
    expect(files.filter((file) => !MIGRATION_FILE.test(file)).sort()).toEqual(['index.ts', 'migrate.ts']);
    expect(Object.keys(migrations).sort()).toEqual(migrationFiles.map((file) => file.slice(0, -'.ts'.length)).sort());
  });

  it('maps each name to the module of that file', async () => {
    for (const [name, migration] of Object.entries(migrations)) {
      const module = (await import(new URL(`${name}.ts`, migrationsDir).href)) as { up: unknown; down?: unknown };
      expect(migration.up, name).toBe(module.up);
      expect(migration.down, name).toBe(module.down);
    }
  });

  it('keeps migrations frozen: they import nothing from the app', async () => {
    const { readFile } = await import('node:fs/promises');
    for (const name of Object.keys(migrations)) {
      const source = await readFile(new URL(`${name}.ts`, migrationsDir), 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((match) => match[1]);
      expect(imports, name).toEqual(['kysely']);
    }
  });
});
