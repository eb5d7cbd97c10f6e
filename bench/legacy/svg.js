// legacy: the SVG chart of run.js's results. Per library, two bars (cold and
// warm) for serial time / green time on a log scale around 1x: a bar to the
// right means green was faster, to the left slower. Hand-written SVG, as
// ../ages/svg.js.
const W = 860;
const LEFT = 170; // library names
const HALF = 230; // pixels from 1x to the edge of the scale
const CENTER = LEFT + 30 + HALF;
const BAR = 14;
const GROUP = 2 * BAR + 12;
// Green faster: blue (cold) and green (warm); slower: light and dark red.
const COLORS = { cold: '#9ecae1', warm: '#2ca02c', coldSlower: '#f4a6a6', warmSlower: '#d62728' };

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (x, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '-');

export function chart(result) {
  const rows = result.results;
  const ratios = rows.flatMap((r) => [r.ratioCold, r.ratioWarm]).filter((x) => Number.isFinite(x) && x > 0);
  // Whole powers of two either side of 1x, at least 2x.
  const span = Math.max(1, Math.ceil(Math.max(0, ...ratios.map((x) => Math.abs(Math.log2(x))))));
  const xOf = (ratio) => CENTER + (Math.max(-span, Math.min(span, Math.log2(ratio))) / span) * HALF;
  const top = 78;
  const bottom = top + rows.length * GROUP;
  const lines = [];
  for (let k = -span; k <= span; k++) {
    const x = xOf(2 ** k).toFixed(1);
    lines.push(`<line x1="${x}" y1="${top - 6}" x2="${x}" y2="${bottom}" stroke="${k === 0 ? '#333' : '#ddd'}"/>`);
    lines.push(`<text x="${x}" y="${top - 10}" text-anchor="middle" fill="#555" font-size="11">${k >= 0 ? 2 ** k : `1/${2 ** -k}`}x</text>`);
  }
  rows.forEach((r, n) => {
    const y = top + n * GROUP;
    lines.push(`<text x="${LEFT - 8}" y="${y + BAR + 4}" text-anchor="end">${esc(r.lib)}</text>`);
    lines.push(`<text x="${LEFT - 8}" y="${y + BAR + 17}" text-anchor="end" fill="#888" font-size="10">${esc(r.kind)}</text>`);
    if (r.failed) {
      lines.push(`<text x="${LEFT + 4}" y="${y + BAR + 4}" fill="#888">${esc(`failed: ${r.failed}`.slice(0, 100))}</text>`);
      return;
    }
    [
      ['cold', r.ratioCold, r.serial.coldMs, r.green.coldMs],
      ['warm', r.ratioWarm, r.serial.warmMs, r.green.warmMs],
    ].forEach(([which, ratio, s, g], k) => {
      const by = y + 2 + k * BAR;
      const x = xOf(ratio);
      const x0 = Math.min(x, CENTER);
      const w = Math.max(1, Math.abs(x - CENTER));
      lines.push(`<rect x="${x0.toFixed(1)}" y="${by}" width="${w.toFixed(1)}" height="${BAR - 2}" fill="${COLORS[ratio < 1 ? `${which}Slower` : which]}"/>`);
      const label = `${num(ratio, 2)}x ${which} (${num(s)} / ${num(g)} ms)${r.equal === false ? ' results differ' : ''}`;
      // Right of the bar when green is faster, else right of 1x: the left side is the names'.
      lines.push(`<text x="${(Math.max(x, CENTER) + 5).toFixed(1)}" y="${by + BAR - 3}" font-size="11">${esc(label)}</text>`);
    });
  });
  const m = result.machine;
  const foot = [
    `${result.jobs} jobs per library; serial: one after another in plain node; green: each in its own green thread under greenthread run. Labels: serial / green ms.`,
    `cold: from process start to the last result (library loading included); warm: a second round in the same process. ${m.cores} cores, ${m.memoryGB} GB, Node ${m.node}.`,
    result.command,
  ];
  const h = bottom + 18 + foot.length * 16;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="Helvetica, Arial, sans-serif" font-size="13">
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="22" font-size="15" font-weight="bold">Legacy blocking libraries: serial vs one green thread per job</text>
<text x="10" y="42" fill="#555">serial time / green time, log scale (right of 1x: green faster; red, left of 1x: green slower)</text>
<rect x="${W - 150}" y="28" width="12" height="10" fill="${COLORS.cold}"/><rect x="${W - 137}" y="28" width="12" height="10" fill="${COLORS.coldSlower}"/><text x="${W - 120}" y="37" font-size="11">cold</text>
<rect x="${W - 80}" y="28" width="12" height="10" fill="${COLORS.warm}"/><rect x="${W - 67}" y="28" width="12" height="10" fill="${COLORS.warmSlower}"/><text x="${W - 50}" y="37" font-size="11">warm</text>
${lines.join('\n')}
${foot.map((t, i) => `<text x="10" y="${bottom + 18 + i * 16}" fill="#555" font-size="11">${esc(t)}</text>`).join('\n')}
</svg>
`;
}
