/* KPI page: the last six months of rates and MTTR as two small Chart.js charts. */
(function () {
  "use strict";
  var node = document.getElementById("kpi-data");
  if (!node || !window.Chart) { return; }
  var data = JSON.parse(node.textContent);
  var colours = ["#1f6f8b", "#1f7a3a", "#a15c00", "#6b3fa0"];
  var sets = Object.keys(data.series).map(function (key, i) {
    return { label: data.names[key], data: data.series[key], borderColor: colours[i % 4],
             backgroundColor: colours[i % 4], spanGaps: true, tension: 0.2 };
  });
  new window.Chart(document.getElementById("kpi-rates"), {
    type: "line", data: { labels: data.labels, datasets: sets },
    options: { animation: false, maintainAspectRatio: false, scales: { y: { min: 0, max: 100 } } }
  });
  new window.Chart(document.getElementById("kpi-mttr"), {
    type: "bar",
    data: { labels: data.labels, datasets: [{ label: data.mttr_name, data: data.mttr, backgroundColor: "#1f6f8b" }] },
    options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } }
  });
  document.body.setAttribute("data-kpi-charts", "drawn");
}());
