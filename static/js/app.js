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
  // The case list's filters fold only below 600 px: open them on wider screens, where
  // the style sheet hides the fold's summary (for browsers that cannot style the fold's
  // content open).
  var fold = document.querySelector("details.filter-fold");
  if (fold && window.matchMedia && window.matchMedia("(min-width: 600px)").matches) { fold.open = true; }
})();
