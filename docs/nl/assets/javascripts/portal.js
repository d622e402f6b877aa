// Wijkpunt Waterschei: Material wraps every table of a guide in a box that scrolls sideways when
// the table is wider than the screen (a phone). Let the keyboard reach that box, so the hidden
// columns can be scrolled into view (WCAG 2.1.1; axe rule scrollable-region-focusable), and name
// it after its section when no other table there has that name already (landmark-unique).
// Material's document$ runs this after it has wrapped the tables.
document$.subscribe(function () {
  var named = {}
  document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (box) {
    box.tabIndex = 0
    for (var before = box.previousElementSibling; before; before = before.previousElementSibling) {
      if (/^H[1-6]$/.test(before.tagName) && before.id) {
        if (!named[before.id]) {
          named[before.id] = true
          box.setAttribute("role", "region")
          box.setAttribute("aria-labelledby", before.id)
        }
        break
      }
    }
  })
})
