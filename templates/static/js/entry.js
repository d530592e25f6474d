// The language entry page (/): forward to the language the visitor chose here before, else to
// the first language of the browser that the site offers. Without JavaScript the page is a list
// of links. Add #languages to the address to stay on the page.
(function () {
  "use strict";
  var list = document.querySelector("[data-entry]");
  if (!list) return;
  var links = Array.prototype.slice.call(list.querySelectorAll("a[data-lang]"));
  var KEY = "expo-language";

  links.forEach(function (link) {
    link.addEventListener("click", function () {
      try { localStorage.setItem(KEY, link.getAttribute("data-lang")); } catch (e) { /* private mode */ }
    });
  });
  if (location.hash === "#languages") return;

  function find(code) {
    code = String(code || "").toLowerCase();
    if (!code) return null;
    var exact = links.filter(function (a) {
      return a.getAttribute("data-lang") === code || a.hreflang.toLowerCase() === code;
    })[0];
    if (exact) return exact;
    // zh-TW, zh-Hant, zh-HK ... → the site's zh-* version; en-GB → en
    var primary = code.split("-")[0];
    return links.filter(function (a) {
      return a.hreflang.toLowerCase().split("-")[0] === primary;
    })[0] || null;
  }

  var chosen = null;
  try { chosen = find(localStorage.getItem(KEY)); } catch (e) { /* storage blocked */ }
  if (!chosen) {
    var wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
    for (var i = 0; i < wanted.length && !chosen; i++) chosen = find(wanted[i]);
  }
  if (chosen) location.replace(chosen.href);
})();
