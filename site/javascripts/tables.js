// Sorting and filtering for the compliance tables (kb). Written for this site; no dependencies.
(function () {
  "use strict";

  function cellValue(row, index) {
    var cell = row.children[index];
    if (!cell) return "";
    return cell.getAttribute("data-value") || cell.textContent.trim();
  }

  function makeSortable(table) {
    var headers = table.querySelectorAll("thead th");
    headers.forEach(function (th, index) {
      if (!th.hasAttribute("data-sort")) return;
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var ascending = th.getAttribute("data-order") !== "asc";
        headers.forEach(function (h) { h.removeAttribute("data-order"); });
        th.setAttribute("data-order", ascending ? "asc" : "desc");
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          var cmp = x.localeCompare(y, "zh-CN", { numeric: true });
          return ascending ? cmp : -cmp;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  function applyFilters(panel, table) {
    var wanted = {};
    panel.querySelectorAll("select[data-filter]").forEach(function (s) {
      if (s.value) wanted[s.getAttribute("data-filter")] = s.value;
    });
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var show = Object.keys(wanted).every(function (key) {
        return row.getAttribute("data-" + key) === wanted[key];
      });
      row.classList.toggle("kb-hidden", !show);
    });
  }

  function init() {
    document.querySelectorAll("table[data-kb-table]").forEach(makeSortable);
    var panel = document.querySelector("[data-kb-filters]");
    var table = document.querySelector("table[data-kb-table]");
    if (panel && table) {
      panel.addEventListener("change", function () { applyFilters(panel, table); });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
