// Live states from the visitor's clock. The clock is the visitor's own, or the instant of a
// ?now=2020-08-13T08:30Z in the address, held still: for tests, and for an editor checking a page
// before, during or after a session. summit.js asks it the time (expoLive.now) and how long until
// a start or an end (expoLive.relative: "in 3 h 20 min"). On a session's page, before the start
// the replay is hidden; while the session is live its stream comes first; once it has ended its
// replay, when there is one, comes first in the stream's place. Without JavaScript nothing moves:
// the page shows the session's date, times and links, and its replay.
(function () {
  "use strict";
  var script = document.currentScript;
  var given = new URLSearchParams(window.location.search).get("now");
  var fixed = given ? Date.parse(given.replace(/ /g, "+")) : NaN;  // "+08:00" reads as " 08:00"

  function now() { return isNaN(fixed) ? Date.now() : fixed; }

  // A UI string from live.html's data-* attributes, its {key} filled in.
  function text(name, key, value) {
    var template = (script && script.getAttribute("data-" + name)) || "{" + key + "}";
    return template.replace("{" + key + "}", value);
  }

  // "3 h 20 min", "45 min", "3 days": whole minutes rounded up (never "0 min" before a start).
  function duration(ms) {
    var minutes = Math.max(1, Math.ceil(ms / 60000));
    if (minutes >= 2 * 1440) return text("days", "d", Math.floor(minutes / 1440));
    var hours = Math.floor(minutes / 60), rest = minutes % 60, parts = [];
    if (hours) parts.push(text("hours", "h", hours));
    if (rest || !hours) parts.push(text("minutes", "m", rest));
    return parts.join(" ");
  }

  function relative(ms) { return text("in", "duration", duration(ms)); }

  window.expoLive = { now: now, relative: relative };

  // ---------------------------------------------------------------- a session's page
  var status = document.querySelector('[data-status="page"]');
  var header = document.querySelector(".item .page-header");
  if (!status || !header) return;
  var start = Date.parse(status.getAttribute("data-start") || "");
  var end = Date.parse(status.getAttribute("data-end") || "");
  if (isNaN(start) || isNaN(end)) return;
  var replay = document.querySelector("[data-live-replay]");
  var stream = document.querySelector('[data-media="media-title"]');
  var front = document.createElement("div");  // the place right under the page's title
  front.className = "live-front";
  header.parentNode.insertBefore(front, header.nextSibling);

  // Each of stream and replay can go to the front and back to where the page put it.
  function movable(el) {
    if (!el) return null;
    var home = document.createComment("");
    el.parentNode.insertBefore(home, el);
    return {
      el: el,
      front: function () { front.appendChild(el); },
      back: function () { home.parentNode.insertBefore(el, home.nextSibling); }
    };
  }
  var parts = { stream: movable(stream), replay: movable(replay) };
  var shown = "";

  function update() {
    var t = now();
    var state = t < start ? "before" : t < end ? "during" : "after";
    if (state === shown) return;
    shown = state;
    header.parentNode.setAttribute("data-live-state", state);
    var first = state === "during" ? parts.stream : state === "after" ? parts.replay : null;
    [parts.stream, parts.replay].forEach(function (part) {
      if (part && part !== first) part.back();
    });
    if (parts.replay) parts.replay.el.hidden = state !== "after";
    if (parts.stream) parts.stream.el.hidden = state === "after" && !!parts.replay;
    if (first) first.front();
    if (state === "after" && parts.replay) {  // the stream's button leads to the replay now
      Array.prototype.forEach.call(document.querySelectorAll("a[data-replay-label]"),
                                   function (a) { a.href = "#replay"; });
    }
  }

  update();
  if (isNaN(fixed)) setInterval(update, 30000);
})();
