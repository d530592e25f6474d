// My agenda: the star on a session (a toggle button) keeps it in this browser's storage
// (localStorage "expo.agenda": the sessions' translation keys, so a choice holds in every
// language). The agenda page shows the starred sessions and makes one .ics of just those,
// here in the browser; its times are written by summit.js in the zone zone.js keeps.
(function () {
  "use strict";
  var KEY = "expo.agenda";

  function load() {
    try {
      var keys = JSON.parse(localStorage.getItem(KEY) || "[]");
      return Array.isArray(keys) ? keys.filter(function (k) { return typeof k === "string"; }) : [];
    } catch (e) { return []; }
  }

  function save(keys) {
    try { localStorage.setItem(KEY, JSON.stringify(keys)); }
    catch (e) { /* storage refused (private mode): the agenda lasts for this page */ }
  }

  var starred = load();
  var stars = document.querySelectorAll("[data-star]");
  var agenda = document.querySelector("[data-agenda]");
  var items = agenda ? agenda.querySelectorAll("[data-agenda-item]") : [];
  var shown = {};  // on the agenda page: starred at load or since (an un-starred one stays, so
                   // the visitor can star it again and focus is not lost)
  starred.forEach(function (key) { shown[key] = true; });

  function isStarred(key) { return starred.indexOf(key) >= 0; }

  function render() {
    Array.prototype.forEach.call(stars, function (star) {
      star.setAttribute("aria-pressed", isStarred(star.getAttribute("data-star")) ? "true" : "false");
      star.hidden = false;
    });
    if (!agenda) return;
    var any = false, anyStarred = false;
    Array.prototype.forEach.call(items, function (item) {
      var key = item.getAttribute("data-agenda-item");
      item.hidden = !shown[key];
      any = any || !item.hidden;
      anyStarred = anyStarred || isStarred(key);
    });
    agenda.querySelector("[data-agenda-empty]").hidden = any;
    agenda.querySelector("[data-agenda-download]").hidden = !anyStarred;
    agenda.hidden = false;
    Array.prototype.forEach.call(document.querySelectorAll("[data-agenda-no-js]"),
      function (note) { note.hidden = true; });
  }

  Array.prototype.forEach.call(stars, function (star) {
    star.addEventListener("click", function () {
      var key = star.getAttribute("data-star");
      starred = load();  // another tab may have changed it
      if (isStarred(key)) starred.splice(starred.indexOf(key), 1);
      else { starred.push(key); shown[key] = true; }
      save(starred);
      render();
    });
  });

  window.addEventListener("storage", function (event) {
    if (event.key !== KEY) return;
    starred = load();
    starred.forEach(function (key) { shown[key] = true; });
    render();
  });

  // ---------------------------------------------------------------- the agenda's .ics
  function utc(value) {  // "2020-08-18T20:00:00-04:00" → "20200819T000000Z"
    return new Date(value).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  }

  function text(value) {  // RFC 5545 §3.3.11
    return String(value).replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,")
      .replace(/\r?\n/g, "\\n");
  }

  function fold(line) {  // lines of at most 75 octets (RFC 5545 §3.1), not splitting a character
    var encoder = new TextEncoder(), out = [], current = "", size = 0;
    Array.from(line).forEach(function (ch) {
      var octets = encoder.encode(ch).length;
      if (size + octets > 75) { out.push(current); current = " "; size = 1; }
      current += ch;
      size += octets;
    });
    out.push(current);
    return out.join("\r\n");
  }

  function calendar() {
    var stamp = utc(new Date().toISOString());
    var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//expo//Smart City Online agenda//EN",
                 "CALSCALE:GREGORIAN", "NAME:" + text(agenda.getAttribute("data-name")),
                 "X-WR-CALNAME:" + text(agenda.getAttribute("data-name"))];
    Array.prototype.forEach.call(items, function (item) {
      if (!isStarred(item.getAttribute("data-agenda-item"))) return;
      var get = function (name) { return item.getAttribute("data-" + name) || ""; };
      lines.push("BEGIN:VEVENT", "UID:" + get("uid"), "DTSTAMP:" + stamp,
                 "DTSTART:" + utc(get("start")), "DTEND:" + utc(get("end")),
                 "SUMMARY:" + text(get("title")), "DESCRIPTION:" + text(get("description")),
                 "URL:" + get("location"), "LOCATION:" + text(get("location")));
      if (get("stream")) lines.push("CONFERENCE;VALUE=URI;FEATURE=VIDEO:" + get("stream"));
      lines.push("BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT15M",
                 "DESCRIPTION:" + text(get("title")), "END:VALARM", "END:VEVENT");
    });
    lines.push("END:VCALENDAR");
    return lines.map(fold).join("\r\n") + "\r\n";
  }

  if (agenda) {
    agenda.querySelector("[data-agenda-download]").addEventListener("click", function () {
      var blob = new Blob([calendar()], { type: "text/calendar;charset=utf-8" });
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = agenda.getAttribute("data-filename") || "agenda.ics";
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
    });
  }
  render();
})();
