// ages: one hand-written SVG bar chart per workload. Requests/s per model
// (idle: peak RSS per model and client count), each bar labelled with its
// figure and its ratio to native async in the same run.
const W = 760;
const LEFT = 150;
const BAR_MAX = 380;
const ROW = 26;
const COLORS = { async: '#4c78a8', greenthread: '#2ca02c', deasync: '#e377c2', threads: '#ff7f0e', fork: '#8c564b', prefork: '#bcbd22', piscina: '#9467bd' };

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (x, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '-');

export function chart({ workload, title, runs, result, command }) {
  const idle = workload === 'idle';
  const value = (r) => (idle ? r.peakRssMb : r.rps);
  const unit = idle ? 'MB peak RSS' : 'requests/s';
  const good = (r) => !r.failed && !r.skipped;
  const max = Math.max(1, ...runs.filter(good).map(value));
  const m = result.machine;
  const lines = [];
  let y = 58;
  const groups = idle ? [...new Set(runs.map((r) => r.connections))] : [undefined];
  for (const g of groups) {
    const rows = runs.filter((r) => g === undefined || r.connections === g);
    if (g !== undefined) {
      lines.push(`<text x="10" y="${y + 14}" font-weight="bold">${num(g)} idle clients</text>`);
      y += ROW;
    }
    const ref = rows.find((r) => r.model === 'async' && good(r));
    for (const r of rows) {
      lines.push(`<text x="${LEFT - 8}" y="${y + 15}" text-anchor="end">${esc(r.model)}</text>`);
      if (!good(r)) {
        const why = r.skipped ? `not run: ${r.skipped}${Number.isFinite(r.estimatedRssMb) ? ` (est. ${num(r.estimatedRssMb)} MB)` : ''}` : `failed: ${r.failed}`;
        lines.push(`<text x="${LEFT + 4}" y="${y + 15}" fill="#888">${esc(why.slice(0, 90))}</text>`);
      } else {
        const v = value(r);
        const w = Math.max(1, (v / max) * BAR_MAX);
        const ratio = ref ? ` (${num(v / value(ref), 2)}x async)` : '';
        lines.push(`<rect x="${LEFT}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 8}" fill="${COLORS[r.model] ?? '#777'}"/>`);
        lines.push(`<text x="${(LEFT + w + 6).toFixed(1)}" y="${y + 15}">${num(v)} ${idle ? 'MB' : 'req/s'}${esc(ratio)}</text>`);
      }
      y += ROW;
    }
  }
  const foot = [
    `${m.cores} cores, ${m.memoryGB} GB, Node ${m.node}; ${idle ? `each client sends a request every ${result.idlePeriodMs / 1000} s` : `${result.connections} connections, ${result.duration} s per run`}`,
    `${command}`,
  ];
  const h = y + 16 + foot.length * 16;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="Helvetica, Arial, sans-serif" font-size="13">
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="22" font-size="15" font-weight="bold">${esc(title)}</text>
<text x="10" y="42" fill="#555">${esc(unit)} per model${idle ? ' (lower is better)' : ' (higher is better)'}</text>
${lines.join('\n')}
${foot.map((t, i) => `<text x="10" y="${y + 16 + i * 16}" fill="#555" font-size="11">${esc(t)}</text>`).join('\n')}
</svg>
`;
}
