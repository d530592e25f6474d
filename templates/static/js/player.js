// Click-to-load video player. The page carries a poster, a "Play video" button (hidden until
// this script runs: without JavaScript it would do nothing) and a plain link to the video; the
// embed address sits in data-embed, so nothing is requested from YouTube or Vimeo until the
// visitor clicks. The click swaps the poster for the player's <iframe>.
(function () {
  "use strict";
  var players = document.querySelectorAll("[data-player]");

  Array.prototype.forEach.call(players, function (player) {
    var frame = player.querySelector(".player__frame");
    var button = player.querySelector("[data-player-button]");
    var embed = player.getAttribute("data-embed") || "";
    if (!frame || !button || embed.indexOf("https://") !== 0) return;

    button.addEventListener("click", function () {
      var iframe = document.createElement("iframe");
      iframe.className = "player__iframe";
      iframe.title = player.getAttribute("data-title") || button.textContent.trim();
      iframe.setAttribute("allow", "autoplay; encrypted-media; picture-in-picture");
      iframe.setAttribute("allowfullscreen", "");
      iframe.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
      iframe.src = embed;
      while (frame.firstChild) frame.removeChild(frame.firstChild);
      frame.appendChild(iframe);
      player.classList.add("player--playing");
      iframe.focus();  // keyboard users continue inside the player, not at the top of the page
    });
    button.hidden = false;
  });
})();
