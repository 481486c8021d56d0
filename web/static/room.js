/* Room charts: each metric over 24 h / 7 d / 30 d, downsampled by the API (InfluxDB GROUP BY
   time), with the active profile's limits drawn as bands. Times in the building's zone. */
(function () {
  "use strict";
  var root = document.getElementById("room-charts");
  if (!root || !window.Chart) { return; }
  var api = root.getAttribute("data-api");
  var tz = root.getAttribute("data-tz");
  var lang = root.getAttribute("data-lang");
  var info = JSON.parse(document.getElementById("room-metrics").textContent);
  var RANGES = { "24h": [864e5, "5m", 3e5], "7d": [6048e5, "30m", 18e5], "30d": [2592e6, "2h", 72e5] };
  var charts = {};
  var dayTime = new Intl.DateTimeFormat(lang, { timeZone: tz, day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  var timeOnly = new Intl.DateTimeFormat(lang, { timeZone: tz, hour: "2-digit", minute: "2-digit" });
  var dayOnly = new Intl.DateTimeFormat(lang, { timeZone: tz, day: "numeric", month: "short" });
  var number = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
  var wall = new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  var TICKS = { "24h": 3 * 36e5, "7d": 864e5, "30d": 5 * 864e5 };

  function offset(ms) {
    var parts = {};
    wall.formatToParts(new Date(ms)).forEach(function (p) { parts[p.type] = parseInt(p.value, 10); });
    var local = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour % 24, parts.minute, parts.second);
    return local - Math.floor(ms / 1000) * 1000;
  }

  function localTicks(start, end, step) {
    var shift = offset(start), ticks = [];
    for (var t = Math.ceil((start + shift) / step) * step - shift; t <= end; t += step) { ticks.push({ value: t }); }
    return ticks;
  }

  var bands = {
    id: "limitBands",
    beforeDatasetsDraw: function (chart, args, options) {
      var limit = options && options.limit;
      if (!limit) { return; }
      var y = chart.scales.y, area = chart.chartArea, ctx = chart.ctx, width = area.right - area.left;
      function clamp(v) { return Math.min(area.bottom, Math.max(area.top, v)); }
      var top = limit.upper !== null ? clamp(y.getPixelForValue(limit.upper)) : area.top;
      var bottom = limit.lower !== null ? clamp(y.getPixelForValue(limit.lower)) : area.bottom;
      ctx.save();
      ctx.fillStyle = "rgba(31,122,58,0.12)";
      ctx.fillRect(area.left, top, width, bottom - top);
      ctx.fillStyle = "rgba(161,26,43,0.08)";
      if (limit.upper !== null) { ctx.fillRect(area.left, area.top, width, top - area.top); }
      if (limit.lower !== null) { ctx.fillRect(area.left, bottom, width, area.bottom - bottom); }
      ctx.strokeStyle = "rgba(161,26,43,0.7)";
      ctx.setLineDash([5, 4]);
      [limit.upper, limit.lower].forEach(function (v) {
        if (v === null) { return; }
        var py = y.getPixelForValue(v);
        if (py < area.top || py > area.bottom) { return; }
        ctx.beginPath(); ctx.moveTo(area.left, py); ctx.lineTo(area.right, py); ctx.stroke();
      });
      ctx.restore();
    }
  };

  function series(points, metric, step) {
    var data = [], last = null;
    points.forEach(function (p) {
      var v = p.values[metric];
      if (v === null || v === undefined) { return; }
      var x = Date.parse(p.time);
      if (last !== null && x - last > 2 * step) { data.push({ x: last + step, y: null }); }
      data.push({ x: x, y: v });
      last = x;
    });
    return data;
  }

  function draw(metric, data, start, end, range, limit) {
    var canvas = document.getElementById("chart-" + metric);
    var summary = document.getElementById("summary-" + metric);
    var values = data.filter(function (d) { return d.y !== null; }).map(function (d) { return d.y; });
    canvas.closest(".chart").classList.toggle("empty", values.length === 0);
    summary.textContent = values.length ? (info[metric].points + ": " + values.length + " · min " +
      number.format(Math.min.apply(null, values)) + " · max " + number.format(Math.max.apply(null, values)) +
      " " + info[metric].unit) : info[metric].empty;
    summary.setAttribute("data-points", String(values.length));
    var suggested = { min: undefined, max: undefined };
    if (limit) {
      if (limit.upper !== null) { suggested.max = limit.upper * 1.15; }
      if (limit.lower !== null) { suggested.min = limit.lower * 0.85; }
    }
    if (charts[metric]) { charts[metric].destroy(); }
    charts[metric] = new window.Chart(canvas, {
      type: "line",
      data: { datasets: [{ label: info[metric].label, data: data, borderColor: "#0b5d8f", borderWidth: 1.5, pointRadius: 0, spanGaps: false }] },
      options: {
        animation: false, parsing: false, normalized: true, maintainAspectRatio: false,
        scales: {
          x: {
            type: "linear", min: start, max: end,
            afterBuildTicks: function (scale) { scale.ticks = localTicks(start, end, TICKS[range]); },
            ticks: { autoSkip: false, callback: function (v) { return range === "24h" ? timeOnly.format(v) : dayOnly.format(v); } }
          },
          y: { suggestedMin: suggested.min, suggestedMax: suggested.max, title: { display: true, text: info[metric].unit } }
        },
        plugins: {
          legend: { display: false },
          limitBands: { limit: limit },
          tooltip: { callbacks: { title: function (items) { return items.length ? dayTime.format(items[0].parsed.x) : ""; } } }
        }
      },
      plugins: [bands]
    });
  }

  function load(range) {
    var spec = RANGES[range], end = Date.now(), start = end - spec[0];
    root.setAttribute("data-state", "loading");
    document.querySelectorAll("[data-range]").forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-range") === range ? "true" : "false");
    });
    var url = api + "?start=" + encodeURIComponent(new Date(start).toISOString()) + "&every=" + spec[1];
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (body) {
        body.metrics.forEach(function (metric) {
          if (!info[metric]) { return; }
          draw(metric, series(body.points, metric, spec[2]), start, end, range, body.limits[metric] || null);
        });
        root.setAttribute("data-state", "loaded");
        root.setAttribute("data-range", range);
      })
      .catch(function () {
        root.setAttribute("data-state", "error");
        document.getElementById("charts-error").hidden = false;
      });
  }

  document.querySelectorAll("[data-range]").forEach(function (button) {
    button.addEventListener("click", function () { load(button.getAttribute("data-range")); });
  });
  load("24h");
})();
