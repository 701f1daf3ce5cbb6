// A second process for the PGlite lock tests, run as `node test/helpers/pglite-opener.ts MODE DIR [ROWS]`.
//   lock:   lockDataDir(DIR) when stdin says "go"; then prints "locked" or "refused <message>", holds until stdin ends.
//   insert: openDatabase({ dataDir: DIR }); prints "opened" or "refused <message>"; on "go" inserts ROWS rows
//           into table `t` one statement each, closes, prints "inserted ROWS".
import { createInterface } from 'node:readline';
import { sql } from 'kysely';
import { openDatabase } from '../../src/store/db.ts';
import { lockDataDir } from '../../src/store/pglite-lock.ts';

const [mode, dir, rowsArg] = process.argv.slice(2);
if (!dir || (mode !== 'lock' && mode !== 'insert')) throw new Error('usage: pglite-opener.ts lock|insert DIR [ROWS]');
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const nextLine = async () => (await lines.next()).value as string | undefined;
const say = (line: string) => process.stdout.write(`${line.replace(/\n/g, ' ')}\n`);

if (mode === 'lock') {
  say('ready');
  await nextLine();
  try {
    const lock = await lockDataDir(dir);
    say('locked');
    await nextLine();
    await lock.release();
  } catch (error) {
    say(`refused ${error instanceof Error ? error.message : String(error)}`);
  }
} else {
  let store;
  try {
    store = await openDatabase({ dataDir: dir });
  } catch (error) {
    say(`refused ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  say('opened');
  await nextLine();
  const rows = Number(rowsArg ?? '3000');
  await sql`create table if not exists t (id serial primary key, writer int not null, n int not null)`.execute(store.db);
  for (let n = 0; n < rows; n++) await sql`insert into t (writer, n) values (${process.pid}, ${n})`.execute(store.db);
  await store.close();
  say(`inserted ${rows}`);
}
process.exit(0);
