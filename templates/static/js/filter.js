/* Solution catalogue filter (list-solutions.html): progressive enhancement.
   Without JavaScript the form stays hidden and the category links are the filter. Here the form
   is revealed; each <select data-filter-field="X"> keeps the cards whose data-X (space-separated
   slugs) holds its value. The choice is kept in the query string (?category=…&city=…), so a
   filtered catalogue can be shared, and the number shown is announced in the status line. */
(function () {
  "use strict";
  var form = document.querySelector("[data-filter]");
  var list = document.querySelector("[data-filter-items]");
  if (!form || !list || !window.URLSearchParams) return;

  var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-filter-field]"));
  var items = Array.prototype.slice.call(list.children);
  var status = form.querySelector("[data-filter-status]");
  var empty = document.querySelector("[data-filter-empty]");
  var reset = form.querySelector("[data-filter-reset]");

  function has(select, value) {
    return Array.prototype.some.call(select.options, function (o) { return o.value === value; });
  }

  function matches(item, select) {
    if (!select.value) return true;
    var values = (item.getAttribute("data-" + select.getAttribute("data-filter-field")) || "")
      .split(/\s+/);
    return values.indexOf(select.value) !== -1;
  }

  function message(shown) {
    var total = String(items.length);
    var text = shown === 0 ? form.getAttribute("data-status-none")
      : shown === items.length ? form.getAttribute("data-status-all")
      : form.getAttribute("data-status-some");
    return text.replace("{shown}", String(shown)).replace("{total}", total);
  }

  function apply() {
    var shown = 0;
    items.forEach(function (item) {
      var keep = selects.every(function (select) { return matches(item, select); });
      item.hidden = !keep;
      if (keep) shown += 1;
    });
    var text = message(shown);
    if (status && status.textContent !== text) status.textContent = text;
    if (empty) empty.hidden = shown !== 0;
    if (reset) reset.hidden = selects.every(function (s) { return !s.value; });
  }

  function remember() {
    var params = new URLSearchParams(window.location.search);
    selects.forEach(function (s) {
      if (s.value) params.set(s.name, s.value); else params.delete(s.name);
    });
    var query = params.toString();
    window.history.replaceState(window.history.state, "",
      window.location.pathname + (query ? "?" + query : "") + window.location.hash);
  }

  var params = new URLSearchParams(window.location.search);
  selects.forEach(function (s) {
    var value = params.get(s.name);
    s.value = value && has(s, value) ? value : "";
    s.addEventListener("change", function () { apply(); remember(); });
  });
  if (reset) {
    reset.addEventListener("click", function () {
      selects.forEach(function (s) { s.value = ""; });
      apply();
      remember();
      if (selects.length) selects[0].focus();  // the button is hidden now: keep focus near
    });
  }
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.hidden = false;
  apply();
})();
