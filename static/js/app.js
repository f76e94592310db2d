// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";
  // Buttons marked data-print open the browser's print dialog.
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-print]");
    if (el) { ev.preventDefault(); window.print(); }
  });
  // Forms marked data-confirm ask before submitting (the message is in the attribute,
  // already translated by the server).
  document.addEventListener("submit", function (ev) {
    var msg = ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { ev.preventDefault(); }
  });
  // The approvals queue: the bar counts the ticked lines and totals their amounts per
  // currency (never across currencies) as they are ticked, and the header's box ticks
  // or clears the whole page. The server gives the language's separators so that the
  // totals read like its own amounts; without this script the bar keeps its hint and
  // the answer to the approval confirms what was done.
  var bar = document.querySelector("[data-approve-bar]");
  if (bar) {
    var boxes = Array.prototype.slice.call(document.querySelectorAll('input[form="batch-approve"][data-amount]'));
    var all = document.querySelector("[data-select-all]");
    var link = document.querySelector("[data-select-all-link]");
    var group = bar.getAttribute("data-group"), decimal = bar.getAttribute("data-decimal");
    var money = function (minor, digits, currency) {
      var div = Math.pow(10, digits), whole = Math.floor(minor / div);
      var s = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, group);
      if (digits > 0) { s += decimal + String(minor % div).padStart(digits, "0"); }
      return s + " " + currency;
    };
    var update = function () {
      var totals = {}, digits = {}, count = 0;
      boxes.forEach(function (b) {
        if (!b.checked) { return; }
        var cur = b.getAttribute("data-currency");
        count++;
        totals[cur] = (totals[cur] || 0) + Number(b.getAttribute("data-amount"));
        digits[cur] = Number(b.getAttribute("data-digits"));
      });
      bar.querySelector("[data-bar-count]").textContent = String(count);
      var out = bar.querySelector("[data-bar-totals]");
      out.textContent = "";
      var currencies = Object.keys(totals).sort();
      if (currencies.length === 0) { out.textContent = "\u2014"; }
      currencies.forEach(function (cur, i) {
        if (i > 0) {
          var sep = document.createElement("span");
          sep.className = "sep";
          sep.setAttribute("aria-hidden", "true");
          sep.textContent = " \u00b7 ";
          out.appendChild(sep);
        }
        var m = document.createElement("bdi");
        m.className = "money";
        m.dir = "ltr";
        m.textContent = money(totals[cur], digits[cur], cur);
        out.appendChild(m);
      });
      if (all) {
        all.checked = count > 0 && count === boxes.length;
        all.indeterminate = count > 0 && count < boxes.length;
      }
    };
    bar.querySelector("[data-bar-hint]").hidden = true;
    bar.querySelector("[data-bar-live]").hidden = false;
    if (all && link && boxes.length > 0) {
      all.hidden = false;
      link.hidden = true;
      document.querySelector("[data-select-all-label]").hidden = false;
      all.addEventListener("change", function () {
        boxes.forEach(function (b) { b.checked = all.checked; });
        update();
      });
    }
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    // Back to the page, the browser may restore the boxes it had: count them again.
    window.addEventListener("pageshow", update);
    update();
  }
  // The case list's filters fold only below 600 px: open them on wider screens, where
  // the style sheet hides the fold's summary (for browsers that cannot style the fold's
  // content open).
  var fold = document.querySelector("details.filter-fold");
  if (fold && window.matchMedia && window.matchMedia("(min-width: 600px)").matches) { fold.open = true; }
  // A date input's written-out date (small.date-written, rendered by the server for the
  // value it sent) follows the date as it changes, in the page's language: the input
  // shows the date in the browser's locale, which may not be the reader's.
  function writeDate(input) {
    var out = document.getElementById(input.id + "-written");
    if (!out || !out.hasAttribute("data-months")) { return; }
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.value);
    var months = out.getAttribute("data-months").split("|");
    out.textContent = m && months[+m[2] - 1] ? (+m[3]) + " " + months[+m[2] - 1] + " " + m[1] : "";
  }
  function onDate(ev) {
    if (ev.target.matches && ev.target.matches("input[type=date]")) { writeDate(ev.target); }
  }
  document.addEventListener("input", onDate);
  document.addEventListener("change", onDate);
})();
