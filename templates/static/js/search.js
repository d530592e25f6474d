/* The search page (/<lang>/search/). Its form is a plain GET form (?q=…), as is every page's
   header form, so a search can be linked and bookmarked and works before this script loads.
   Here the query in the address is searched on arrival, and what the visitor types as they
   type, with Pagefind's JS API over the index of the page's language (the form's data-bundle);
   the query is kept in the address, the number of results announced (role=status) and the
   results listed, ten at a time: a link to each page and Pagefind's excerpt, of which only
   the text and the <mark>s around the words found are kept. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-search]");
  var status = document.querySelector("[data-search-status]");
  var list = document.querySelector("[data-search-results]");
  var more = document.querySelector("[data-search-more]");
  if (!form || !status || !list || !more || !window.URLSearchParams) return;

  var input = form.elements.q;
  var PAGE = 10;
  var engine = null;  // the promise of Pagefind's module
  var waiting = [];   // the results of the last search not shown yet
  var asked = 0;      // searches started: the answer to an older one is dropped
  var timer = 0;

  function pagefind() {
    if (!engine) {
      engine = import(form.getAttribute("data-bundle") + "pagefind.js");
      engine.catch(function () { engine = null; });  // tried again at the next search
    }
    return engine;
  }

  function say(key, count, query) {
    status.textContent = status.getAttribute("data-" + key)
      .replace("{count}", String(count)).replace("{query}", query);
  }

  // Pagefind escapes the page's text and wraps the words found in <mark>: read inert (a
  // template's content runs and loads nothing), only text and marks are taken over.
  function excerpt(html) {
    var parsed = document.createElement("template");
    var paragraph = document.createElement("p");
    parsed.innerHTML = html;
    paragraph.className = "search-result__excerpt";
    Array.prototype.forEach.call(parsed.content.childNodes, function (node) {
      var text = document.createTextNode(node.textContent);
      if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.appendChild(text);
        paragraph.appendChild(mark);
      } else {
        paragraph.appendChild(text);
      }
    });
    return paragraph;
  }

  function result(data) {
    var item = document.createElement("li");
    var heading = document.createElement("h2");
    var link = document.createElement("a");
    item.className = "search-result";
    heading.className = "search-result__title";
    link.href = data.url;
    link.textContent = (data.meta && data.meta.title) || data.url;
    heading.appendChild(link);
    item.appendChild(heading);
    item.appendChild(excerpt(data.excerpt || ""));
    return item;
  }

  // The next ten results; `focus`: move focus to the first of them (after "More results").
  function showMore(focus) {
    var search = asked;
    var next = waiting.splice(0, PAGE);
    return Promise.all(next.map(function (found) { return found.data(); })).then(function (pages) {
      if (search !== asked) return;
      var items = pages.map(result);
      items.forEach(function (item) { list.appendChild(item); });
      more.hidden = waiting.length === 0;
      if (focus && items.length) items[0].querySelector("a").focus();
    });
  }

  function run(text) {
    var search = ++asked;
    var query = text.trim();
    clearTimeout(timer);
    history.replaceState(null, "", query ? "?q=" + encodeURIComponent(query) : location.pathname);
    if (!query) {
      waiting = [];
      list.textContent = "";
      status.textContent = "";
      more.hidden = true;
      return;
    }
    pagefind().then(function (module) { return module.search(query); }).then(function (found) {
      if (search !== asked) return;
      waiting = found.results.slice();
      list.textContent = "";
      var count = waiting.length;
      return showMore(false).then(function () {
        if (search === asked) say(count === 0 ? "none" : count === 1 ? "one" : "many", count, query);
      });
    }).catch(function () {
      if (search === asked) say("failed", 0, query);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run(input.value);
  });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { run(input.value); }, 300);
  });
  input.addEventListener("focus", pagefind);  // loads while the visitor types
  more.addEventListener("click", function () { showMore(true); });

  var query = new URLSearchParams(location.search).get("q");
  if (query) {
    input.value = query;
    run(query);
  }
})();
