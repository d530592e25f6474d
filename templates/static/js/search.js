/* The search page: Pagefind's UI over the index of the page's language (from <html lang>). */
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("search");
  if (!box || typeof PagefindUI === "undefined") return;
  new PagefindUI({
    element: "#search",
    bundlePath: box.dataset.bundle,
    showSubResults: true,
    showImages: false,
    resetStyles: false,
    translations: { placeholder: box.dataset.placeholder }
  });
});
