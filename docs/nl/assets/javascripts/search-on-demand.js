// Wijkpunt Waterschei: fetch the search index when somebody starts to search, not on every page.
// The index holds the text of every guide in the page's language (35 to 46 KB compressed), the
// largest part of a first visit; most readers never search, and many read on a prepaid phone plan.
// Material's bundle requests search/search_index.json (an XMLHttpRequest) as soon as it loads.
// This script runs before the bundle and holds that one request back until the search field is
// focused, tapped or opened (its button, or the keys / s f). Meanwhile Material shows
// "Initializing search"; what was typed is searched once the index is there.
(function () {
  "use strict"
  if (!window.XMLHttpRequest || !window.Promise || !window.WeakSet) return
  var release
  var wanted = new Promise(function (resolve) { release = resolve })
  var held = new WeakSet()

  function searching(event) {
    var target = event.target
    if (target && target.closest && target.closest(".md-search, label[for='__search'], #__search")) {
      release()
    }
  }
  ["focusin", "pointerdown", "change"].forEach(function (type) {
    document.addEventListener(type, searching, true)
  })

  var open = XMLHttpRequest.prototype.open
  var send = XMLHttpRequest.prototype.send
  XMLHttpRequest.prototype.open = function (method, url) {
    if (/\/search\/search_index\.json(\?|$)/.test(String(url))) held.add(this)
    return open.apply(this, arguments)
  }
  XMLHttpRequest.prototype.send = function () {
    var request = this
    var args = arguments
    if (!held.has(request)) return send.apply(request, args)
    wanted.then(function () { send.apply(request, args) })
  }
})()
