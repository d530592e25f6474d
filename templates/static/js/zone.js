// The visitor's time zone: the one the browser detects, or the one they chose with the zone
// picker, remembered in localStorage across pages and visits. Runs before summit.js, which
// reads the zone from <html data-zone> and writes every "Your time" again when the choice
// changes (the "expo:zone" event). The session's zone and the site's stay written in the page.
(function () {
  "use strict";
  if (typeof Intl === "undefined" || !Intl.DateTimeFormat) return;

  var KEY = "expo.zone";
  var root = document.documentElement;
  var detected = Intl.DateTimeFormat().resolvedOptions().timeZone || "";

  function known(zone) {
    try { new Intl.DateTimeFormat("en", { timeZone: zone }); return true; }
    catch (e) { return false; }
  }

  function stored() {
    try { return localStorage.getItem(KEY) || ""; } catch (e) { return ""; }
  }

  function store(zone) {
    try {
      if (zone) localStorage.setItem(KEY, zone);
      else localStorage.removeItem(KEY);
    } catch (e) { /* storage refused (private mode): the choice lasts for this page */ }
  }

  // Every zone the browser knows, the chosen and detected ones included.
  function zones(chosen) {
    var all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
    all = all.slice();
    [detected, chosen, "UTC"].forEach(function (zone) {
      if (zone && all.indexOf(zone) < 0) all.push(zone);
    });
    return all.sort();
  }

  var chosen = stored();
  if (chosen && !known(chosen)) chosen = "";

  function apply(zone, announce) {
    chosen = zone;
    root.setAttribute("data-zone", chosen || detected);
    Array.prototype.forEach.call(document.querySelectorAll("[data-zone-picker] select"),
      function (select) { if (select.options.length > 1) select.value = chosen; });
    if (announce) {
      document.dispatchEvent(new CustomEvent("expo:zone", { detail: chosen || detected }));
    }
  }
  apply(chosen, false);

  Array.prototype.forEach.call(document.querySelectorAll("[data-zone-picker]"), function (box) {
    var select = box.querySelector("select");
    if (!select) return;
    var first = select.options[0];
    first.textContent = (select.getAttribute("data-detected") || "{zone}")
      .replace("{zone}", detected.replace(/_/g, " "));
    zones(chosen).forEach(function (zone) {
      var option = document.createElement("option");
      option.value = zone;
      option.textContent = zone.replace(/_/g, " ");
      select.appendChild(option);
    });
    select.value = chosen;
    select.addEventListener("change", function () {
      store(select.value);
      apply(select.value, true);
    });
    box.hidden = false;
  });

  // A choice made in another tab applies here too.
  window.addEventListener("storage", function (event) {
    if (event.key === KEY) apply(stored() && known(stored()) ? stored() : "", true);
  });
})();
