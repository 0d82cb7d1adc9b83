// The report page's script: reads the embedded data, draws the charts with uPlot and fills the tables.
// Every value from the logs goes through textContent: log content is untrusted.
(() => {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const r = data.report;
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };
  const fmt = (n) => n.toLocaleString('en-US');
  // Top-K counts past the sketch's capacity are upper bounds: say so.
  const approx = (x) => `${x.approximate ? '≈' : ''}${fmt(x.count)}`;
  const pct = (x) => `${(x * 100).toFixed(x < 0.01 ? 2 : 1)}%`;
  const iso = (ms) => new Date(ms).toISOString().replace('T', ' ').replace('.000Z', 'Z');

  function table(id, columns, rows) {
    const t = document.getElementById(id);
    const head = el('tr');
    for (const c of columns) head.append(el('th', c));
    t.append(head);
    for (const row of rows) {
      const tr = el('tr');
      for (const cell of row)
        tr.append(cell instanceof Node ? el('td').appendChild(cell).parentNode : el('td', cell));
      t.append(tr);
    }
    if (rows.length === 0) {
      // append() returns nothing: build the row first, then add it.
      const none = el('tr');
      none.append(el('td', 'none', 'muted'));
      t.append(none);
    }
  }

  // Inputs and totals.
  const inputs = data.inputs;
  document.getElementById('span').textContent =
    r.times.length > 0 ? `${iso(r.times[0])} to ${iso(r.times.at(-1) + r.binWidthMs)}` : 'no timestamps';
  const requests = inputs.requests.reduce((a, b) => a + b, 0);
  table(
    'inputs',
    ['', ''],
    [
      ['files', inputs.files.join(', ')],
      ['lines read', fmt(inputs.lines)],
      ['bytes read', fmt(inputs.bytes)],
      ['error bodies found', fmt(inputs.bodies)],
      ['errors (events)', fmt(r.total)],
      [
        'unparseable bodies',
        Object.entries(inputs.failures)
          .filter(([, n]) => n > 0)
          .map(([k, n]) => `${k}: ${fmt(n)}`)
          .join(', ') || '0',
      ],
      [
        'skipped records',
        Object.entries(inputs.skipped)
          .filter(([, n]) => n > 0)
          .map(([k, n]) => `${k}: ${fmt(n)}`)
          .join(', ') || '0',
      ],
      [
        'requests with a status',
        requests > 0 ? `${fmt(requests)} (error ratio ${pct(r.total / requests)})` : 'not in these logs',
      ],
      ['bin width', `${r.binWidthMs / 60000} min`],
    ],
  );

  // Timeline, stacked by class: cumulative series drawn largest first so each fill shows its own band.
  const colors = { '3xx': '#6c8ebf', '4xx': '#e0a030', '5xx': '#d04040', unknown: '#999999' };
  const xs = r.times.map((t) => t / 1000);
  const cumulative = [];
  let running = xs.map(() => 0);
  for (const s of r.series) {
    running = running.map((v, i) => v + s[i]);
    cumulative.push(running);
  }
  const spikeBands = {
    hooks: {
      drawClear: [
        (u) => {
          const ctx = u.ctx;
          ctx.save();
          ctx.fillStyle = 'rgba(208, 64, 64, 0.12)';
          for (const s of r.spikes) {
            const x0 = u.valToPos(s.start / 1000, 'x', true);
            const x1 = u.valToPos((s.start + r.binWidthMs) / 1000, 'x', true);
            ctx.fillRect(x0, u.bbox.top, Math.max(2, x1 - x0), u.bbox.height);
          }
          ctx.restore();
        },
      ],
    },
  };
  const width = Math.min(1100, document.body.clientWidth - 40);
  if (xs.length > 0) {
    const order = r.classes.map((_, i) => i).reverse();
    new uPlot(
      {
        title: 'Errors per bin, stacked by status class (red bands: spikes)',
        width,
        height: 300,
        plugins: [spikeBands],
        scales: { x: { time: true } },
        series: [
          {},
          ...order.map((i) => ({
            label: r.classes[i],
            stroke: colors[r.classes[i]],
            fill: `${colors[r.classes[i]]}aa`,
            value: (_u, _v, _s, idx) => (idx === null ? '' : fmt(r.series[i][idx])),
          })),
        ],
      },
      [xs, ...order.map((i) => cumulative[i])],
      document.getElementById('timeline'),
    );
    const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
    new uPlot(
      {
        title: 'Top codes per bin',
        width,
        height: 260,
        scales: { x: { time: true } },
        series: [
          {},
          ...r.topCodes.map((code, i) => ({ label: code, stroke: palette[i % palette.length], width: 1.5 })),
        ],
      },
      [xs, ...r.byCode],
      document.getElementById('codes-chart'),
    );
  }

  table(
    'codes',
    [
      'code',
      'count',
      'share',
      'status',
      'category',
      'description',
      'first seen',
      'last seen',
      'sample RequestIds',
      'top resources',
    ],
    r.codes.map((c) => [
      c.code,
      fmt(c.count),
      pct(c.share),
      Object.entries(c.statuses)
        .map(([s, n]) => `${s} (${fmt(n)})`)
        .join(', '),
      c.category,
      c.description ?? (c.known ? '' : 'not in the catalogue'),
      c.first.replace('T', ' '),
      c.last.replace('T', ' '),
      c.requestIds.join(' '),
      c.resources.map((x) => `${x.resource} (${approx(x)})`).join(', '),
    ]),
  );
  table(
    'buckets',
    ['bucket', 'errors'],
    r.buckets.map((b) => [b.bucket, approx(b)]),
  );
  table(
    'keys',
    ['bucket/key', 'errors'],
    r.keys.map((k) => [k.key, approx(k)]),
  );
  table(
    'statuses',
    ['status', 'errors'],
    Object.entries(r.statuses).map(([s, n]) => [s, fmt(n)]),
  );
  table(
    'spikes',
    ['bin start', 'errors', 'median'],
    r.spikes.map((s) => [iso(s.start), fmt(s.errors), fmt(r.median)]),
  );
})();
