// Draws the statistics charts from the JSON the page embeds; the tables beside them hold the exact figures.
(function () {
  "use strict";
  var source = document.getElementById("stats-charts");
  if (!source || typeof Chart === "undefined") { return; }
  var charts = JSON.parse(source.textContent);
  var colour = "#0b5394";
  charts.forEach(function (spec) {
    var canvas = document.getElementById("chart-" + spec.key);
    if (!canvas) { return; }
    var horizontal = spec.key === "field" || spec.key === "regions";
    var datasets = [{ label: "合同成交额（万元）", data: spec.amounts, backgroundColor: colour, borderColor: colour,
                      yAxisID: spec.kind === "line" ? "amount" : undefined, tension: 0.2 }];
    var scales = {};
    if (spec.kind === "line") {
      datasets.push({ label: "登记件数（份）", data: spec.counts, borderColor: "#e69138", backgroundColor: "#e69138",
                      yAxisID: "count", tension: 0.2 });
      scales = { amount: { position: "left", beginAtZero: true }, count: { position: "right", beginAtZero: true,
                 grid: { drawOnChartArea: false } } };
    }
    new Chart(canvas, {
      type: spec.kind,
      data: { labels: spec.labels, datasets: datasets },
      options: { indexAxis: horizontal ? "y" : "x", responsive: true, maintainAspectRatio: false, animation: false,
                 scales: scales, plugins: { legend: { display: spec.kind === "line" } } }
    });
  });
})();
