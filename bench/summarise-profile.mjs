// `node bench/summarise-profile.mjs FILE.cpuprofile [--top N] [--filter TEXT]`
// Self time by function and by file (package), and inclusive time of the functions matching
// --filter, from a V8 .cpuprofile (node --cpu-prof, or the inspector's Profiler.stop).

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, filter: { type: 'string' } },
});
const top = Number(values.top);
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Sample time per node: timeDeltas[i] belongs to samples[i].
const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const shortUrl = (url) => {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return `npm:${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const m = /\/(src|dist|bench|test)\/(.*)$/.exec(url);
  if (m) return `${m[1]}/${m[2]}`;
  return url.replace(/^file:\/\//, '');
};
const fnName = (n) =>
  `${n.callFrame.functionName || '(anon)'} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

const add = (map, key, v) => map.set(key, (map.get(key) ?? 0) + v);
const byFn = new Map();
const byFile = new Map();
for (const [id, us] of selfUs) {
  const n = byId.get(id);
  add(byFn, fnName(n), us);
  add(byFile, shortUrl(n.callFrame.url), us);
}
const pct = (us) =>
  `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms`;
const print = (title, map) => {
  console.log(`\n== ${title}`);
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);
};
console.log(`total sampled ${(total / 1000).toFixed(0)} ms`);
print('self time by file / package', byFile);
print('self time by function', byFn);

// Inclusive time: a node's samples count once for every distinct matching frame on its stack.
const inclusive = new Map();
for (const [id, us] of selfUs) {
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur);
    const key = fnName(n);
    if (seen.has(key)) continue;
    seen.add(key);
    if (!values.filter || key.includes(values.filter)) add(inclusive, key, us);
  }
}
print(`inclusive time${values.filter ? ` (matching ${values.filter})` : ''}`, inclusive);
