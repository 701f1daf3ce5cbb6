import { PGlite } from '@electric-sql/pglite';
import { PgBoss, fromPglite } from 'pg-boss';
const pglite = await PGlite.create();
const boss = new PgBoss({ db: fromPglite(pglite), backend: 'pglite', useListenNotify: true, schema: 'pgboss' });
boss.on('error', (e) => console.error('err', e));
boss.on('warning', (e) => console.error('warn', e));
await boss.start();
await boss.createQueue('q', { notify: true });
let done = 0;
const t0 = Date.now();
await boss.work('q', { batchSize: 1, localConcurrency: 4, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: 1 }, async () => { await new Promise(r => setTimeout(r, 50)); done++; });
await Promise.all(Array.from({length: 50}, (_, i) => boss.send("q", { i })));
for (let k = 0; k < 20 && done < 50; k++) { await new Promise(r => setTimeout(r, 500)); console.log(((Date.now()-t0)/1000).toFixed(1), 'done', done); }
await boss.stop({ graceful: false, timeout: 1000 }); await pglite.close();
