// `npm run bench`: every benchmark, each writing its own section of docs/benchmarks.md.
import * as batches from './batches.js';
import * as engine from './engine.js';
import * as fleet from './fleet.js';
import * as frontend from './frontend.js';
import * as pathological from './pathological.js';
import * as removal from './removal.js';
import * as reportPage from './report-page.js';
import * as scheduling from './scheduling.js';
import * as startup from './startup.js';

const results = { startup: startup.run(), frontend: frontend.run(), pathological: pathological.run(), engine: engine.run(), scheduling: await scheduling.run(), removal: await removal.run(), report: await reportPage.run(), batches: await batches.run(), fleet: await fleet.run() };
console.log(JSON.stringify(results, null, 2));
console.log('wrote docs/benchmarks.md');
