// p3s monitor, client side: shows times in the viewer's zone, draws the overview's charts with
// uPlot, keeps a tailing log scrolled to its end, marks a region stale when its request fails and
// asks again later, ends the held request of a region that leaves the page, and holds none while
// the tab is hidden.
// Runs on every piece of content htmx loads (htmx.onLoad), so refreshed regions get the same care.

(() => {
  const COLORS = {
    finished: '#16a34a',
    failed: '#dc2626',
    running: '#2563eb',
    idle: '#0d9488',
    defined: '#d97706',
  };
  const pad = (n) => String(n).padStart(2, '0');

  function formatTime(el) {
    const date = new Date(el.getAttribute('datetime'));
    if (Number.isNaN(date.getTime())) return;
    const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
    const clock = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
    const fmt = el.dataset.fmt;
    if (fmt === 'time') el.textContent = clock;
    else if (fmt === 'short') el.textContent = short(date, day, clock);
    else if (fmt === 'ago') el.textContent = ago(date);
    else el.textContent = `${day} ${clock}`;
    if (!el.title) el.title = `${day} ${clock} ${Intl.DateTimeFormat().resolvedOptions().timeZone}`;
  }

  /** Today: the clock; this year: month, day and minute; before: the date. */
  function short(date, day, clock) {
    const now = new Date();
    if (date.toDateString() === now.toDateString()) return clock;
    if (date.getFullYear() === now.getFullYear()) return `${day.slice(5)} ${clock.slice(0, 5)}`;
    return day;
  }

  function ago(date) {
    const s = Math.max(0, Math.round((Date.now() - date.getTime()) / 1000));
    if (s < 60) return `${s} s ago`;
    if (s < 3600) return `${Math.floor(s / 60)} min ago`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
    return `${Math.floor(s / 86400)} d ago`;
  }

  /** 24-hour clock like every other time on the page; dates too when the chart spans days. */
  function axisTime(seconds, span) {
    const d = new Date(seconds * 1000);
    const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
    return span > 86400 ? `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock}` : clock;
  }

  function stamp(d) {
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  function drawChart(el) {
    if (el.dataset.drawn || typeof uPlot === 'undefined') return;
    el.dataset.drawn = '1';
    const spec = JSON.parse(el.dataset.chart);
    const options = {
      width: Math.max(280, el.clientWidth),
      height: 220,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [{ values: (_u, splits) => splits.map((s) => axisTime(s, spec.span)) }, { size: 50 }],
      series: [
        { value: (_u, v) => (v == null ? '--' : stamp(new Date(v * 1000))) },
        ...spec.series.map((s, i) => ({
          label: s.label,
          stroke: COLORS[s.color] || '#555',
          width: spec.kind === 'rate' ? 0 : 2,
          fill: `${COLORS[s.color] || '#555555'}${spec.kind === 'rate' ? 'cc' : '18'}`,
          points: { show: false },
          // Counts per bucket are bars; a level (running jobs, live pilots) spans the bucket it ends.
          // Later rate series are drawn narrower in front, so both bars of a bucket stay visible.
          paths:
            spec.kind === 'rate'
              ? uPlot.paths.bars({ size: [i === 0 ? 0.8 : 0.4, 40] })
              : uPlot.paths.stepped({ align: -1 }),
        })),
      ],
    };
    const chart = new uPlot(options, [spec.x, ...spec.series.map((s) => s.values)], el);
    el._chart = chart;
  }

  function resizeCharts() {
    for (const el of document.querySelectorAll('.chart[data-drawn]')) {
      if (el._chart) el._chart.setSize({ width: Math.max(280, el.clientWidth), height: 220 });
    }
  }

  function scrollLogToEnd(root) {
    const log = root.querySelector ? root.querySelector('#log-text') : null;
    if (log) log.scrollTop = log.scrollHeight;
  }

  function init() {
    htmx.onLoad((root) => {
      const scope = root.querySelectorAll ? root : document;
      if (root.matches?.('time[datetime]')) formatTime(root);
      for (const el of scope.querySelectorAll('time[datetime]')) formatTime(el);
      for (const el of scope.querySelectorAll('.chart[data-chart]')) drawChart(el);
      if (root.id === 'log-box' || root === document.body) scrollLogToEnd(root);
    });

    // Follow a growing log only if the reader is at its end already.
    let follow = true;
    document.body.addEventListener('htmx:oobBeforeSwap', (event) => {
      const log = document.getElementById('log-text');
      if (log && event.detail.target === log)
        follow = log.scrollTop + log.clientHeight >= log.scrollHeight - 24;
    });
    document.body.addEventListener('htmx:oobAfterSwap', (event) => {
      const log = document.getElementById('log-text');
      if (log && event.detail.target === log && follow) log.scrollTop = log.scrollHeight;
    });

    // A failed request (the server restarting) leaves the old content: say so, and ask again later
    // (hx-trigger "retry") until an answer comes, so no region stops following.
    const FOLLOWERS = '.live, #log-poll';
    const RETRY_MS = 3000;
    const failed = (event) => {
      const elt = event.detail.elt;
      if (!elt?.matches?.(FOLLOWERS)) return;
      elt.querySelector(':scope > .live-bar')?.classList.add('stale');
      setTimeout(() => {
        if (document.body.contains(elt)) htmx.trigger(elt, 'retry');
      }, RETRY_MS);
    };
    document.body.addEventListener('htmx:sendError', failed);
    document.body.addEventListener('htmx:responseError', failed);

    // A region replaced by a navigation (a filter, a sort) would leave its held request open,
    // taking one of the browser's few connections to the server: end it.
    const waiting = new WeakSet();
    document.body.addEventListener('htmx:beforeSend', (e) => {
      if (e.detail.elt?.matches?.(FOLLOWERS)) waiting.add(e.detail.elt);
    });
    const answered = (e) => waiting.delete(e.detail.elt);
    document.body.addEventListener('htmx:beforeSwap', answered);
    document.body.addEventListener('htmx:afterRequest', answered);
    const endHeld = (elt) => {
      if (!waiting.delete(elt)) return;
      htmx.trigger(elt, 'htmx:abort');
    };
    document.body.addEventListener('htmx:beforeCleanupElement', (e) => endHeld(e.target));

    // A hidden tab holds no request: the browser's few connections to a server are shared by all
    // its tabs, and held regions of background tabs would leave the tab in front waiting. Back in
    // view, every region asks at once and shows what changed meanwhile.
    document.body.addEventListener('htmx:beforeRequest', (e) => {
      if (document.hidden && e.detail.elt?.matches?.(FOLLOWERS)) e.preventDefault();
    });
    document.addEventListener('visibilitychange', () => {
      for (const elt of document.querySelectorAll(FOLLOWERS)) {
        if (document.hidden) endHeld(elt);
        else htmx.trigger(elt, 'retry');
      }
    });

    setInterval(() => {
      for (const el of document.querySelectorAll('time[data-fmt="ago"]')) formatTime(el);
    }, 5000);
    let resizing;
    window.addEventListener('resize', () => {
      clearTimeout(resizing);
      resizing = setTimeout(resizeCharts, 150);
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
