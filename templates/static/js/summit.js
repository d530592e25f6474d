// Mayors' Summit: session times in the visitor's own time zone, and each session's status
// (upcoming, live now, ended). Both come from the UTC instants in the page (ISO 8601 with the
// offset), so daylight-saving changes in the session's, Taipei's or the visitor's zone come out
// right. Without JavaScript the page shows the session's zone and the site's zone and claims
// no status.
(function () {
  "use strict";
  if (typeof Intl === "undefined" || !Intl.DateTimeFormat) return;

  // The visitor's zone: the one zone.js keeps (chosen or detected), else the detected one.
  var zone, numeric;
  function useZone(name) {
    zone = name || Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    var options = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
                    minute: "2-digit", hourCycle: "h23" };
    if (zone) options.timeZone = zone;
    numeric = new Intl.DateTimeFormat("en-US", options);
  }
  useZone(document.documentElement.getAttribute("data-zone"));

  // {day: "2020-08-19", time: "08:00"} of an instant, in the visitor's zone.
  function wallClock(date) {
    var p = {};
    numeric.formatToParts(date).forEach(function (part) { p[part.type] = part.value; });
    var hour = p.hour === "24" ? "00" : p.hour;  // old engines write midnight as 24
    return { day: p.year + "-" + p.month + "-" + p.day, time: hour + ":" + p.minute };
  }

  // "19 August 2020" (en-GB) or "2020年8月19日" (zh-Hant-TW): as the site writes its dates.
  function longDate(date, locale) {
    var o = { day: "numeric", month: "long", year: "numeric" };
    if (zone) o.timeZone = zone;
    try { return new Intl.DateTimeFormat(locale, o).format(date); }
    catch (e) { return wallClock(date).day; }
  }

  function instant(el, name) {
    var date = new Date(el.getAttribute(name) || "");
    return isNaN(date.getTime()) ? null : date;
  }

  function add(parent, tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    node.textContent = text;
    parent.appendChild(node);
    return node;
  }

  // ---------------------------------------------------------------- the visitor's own time
  function showLocalTime(el) {
    var start = instant(el, "data-start"), end = instant(el, "data-end");
    if (!start || !end) return;
    var locale = el.getAttribute("data-locale") || undefined;
    var day = el.getAttribute("data-day");  // the schedule's day heading; absent: always a date
    var s = wallClock(start), e = wallClock(end);
    var startText = (!day || s.day !== day ? longDate(start, locale) + " " : "") + s.time;
    var endText = (e.day !== s.day ? longDate(end, locale) + " " : "") + e.time;

    el.textContent = "";
    var label = el.getAttribute("data-label") || "";
    add(el, "span", "local__label", label);
    if (!/[\uff1a\s]$/.test(label)) el.appendChild(document.createTextNode(" "));  // "：" spaces itself
    add(el, "time", "", startText).setAttribute("datetime", start.toISOString());
    el.appendChild(document.createTextNode(" – "));
    add(el, "time", "", endText).setAttribute("datetime", end.toISOString());
    if (zone) {
      el.appendChild(document.createTextNode(" "));
      add(el, "span", "zone", "(" + zone + ")");
    }
    el.hidden = false;
  }

  // ---------------------------------------------------------------- status
  function relative(ms, locale) {
    if (window.expoLive) return window.expoLive.relative(ms);  // "in 3 h 20 min" (live.js)
    var minutes = Math.max(1, Math.ceil(ms / 60000));
    var value = minutes, unit = "minute";
    if (minutes >= 48 * 60) { value = Math.floor(minutes / 1440); unit = "day"; }
    else if (minutes >= 60) { value = Math.floor(minutes / 60); unit = "hour"; }
    try { return new Intl.RelativeTimeFormat(locale, { numeric: "always" }).format(value, unit); }
    catch (e) { return value + " " + unit + (value === 1 ? "" : "s"); }
  }

  function updateStatus(el, now) {
    var start = instant(el, "data-start"), end = instant(el, "data-end");
    if (!start || !end) return;
    var locale = el.getAttribute("data-locale") || undefined;
    var state = now < start.getTime() ? "upcoming" : now < end.getTime() ? "live" : "ended";
    var label = el.querySelector("[data-status-state]");
    var detail = el.querySelector("[data-status-detail]");

    if (el.getAttribute("data-state") !== state) {  // the live region speaks only on a change
      el.setAttribute("data-state", state);
      el.className = "status status--" + state;
      if (label) label.textContent = el.getAttribute("data-" + state) || state;
      if (state === "ended" && el.getAttribute("data-status") === "page") showReplay();
    }
    if (detail) {
      var text = "";
      if (state === "upcoming") {
        text = (el.getAttribute("data-starts") || "{when}")
          .replace("{when}", relative(start.getTime() - now, locale));
      } else if (state === "live") {
        text = (el.getAttribute("data-ends") || "{when}")
          .replace("{when}", relative(end.getTime() - now, locale));
      }
      if (detail.textContent !== text) detail.textContent = text;
    }
  }

  // After a session, its livestream link leads to the recording: say so.
  function showReplay() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-replay-label]"), function (el) {
      el.textContent = el.getAttribute("data-replay-label");
    });
  }

  function showLocalTimes() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-local-time]"), showLocalTime);
  }
  showLocalTimes();
  document.addEventListener("expo:zone", function (event) {  // the picker's new choice
    useZone(event.detail);
    showLocalTimes();
  });

  // "Replay available" (data-replay-after: the session's end) once the session has ended.
  function updateReplayMark(el, now) {
    var end = instant(el, "data-replay-after");
    if (end) el.hidden = now < end.getTime();
  }

  var statuses = document.querySelectorAll("[data-status]");
  var replayMarks = document.querySelectorAll("[data-replay-after]");
  function tick() {
    var now = window.expoLive ? window.expoLive.now() : Date.now();  // live.js: ?now=
    Array.prototype.forEach.call(statuses, function (el) { updateStatus(el, now); });
    Array.prototype.forEach.call(replayMarks, function (el) { updateReplayMark(el, now); });
  }
  if (statuses.length || replayMarks.length) {
    tick();
    setInterval(tick, 30000);
  }
})();
