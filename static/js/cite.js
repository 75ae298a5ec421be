// The Cite control of a paper page (templates/partials/paper_cite.html): the button copies the
// BibTeX entry to the clipboard; where the clipboard is unavailable (file://, permission
// denied) it opens the entry and selects it for copying by hand.
// A classic deferred script (not a module), so it also runs from file://.
(function () {
  'use strict'
  document.querySelectorAll('[data-cite]').forEach(function (box) {
    var button = box.querySelector('.cite-button')
    var details = box.querySelector('.cite-details')
    var entry = box.querySelector('.cite-bibtex')
    var status = box.querySelector('.cite-status')
    if (!button || !details || !entry || !status) return
    function selectForCopy () {
      details.open = true
      entry.focus()
      entry.select()
      status.textContent = 'Press Ctrl+C (⌘C on a Mac) to copy the selected BibTeX.'
    }
    button.hidden = false
    button.addEventListener('click', function () {
      status.textContent = ''
      if (!window.isSecureContext || !navigator.clipboard || !navigator.clipboard.writeText) {
        selectForCopy()
        return
      }
      navigator.clipboard.writeText(entry.value).then(function () {
        status.textContent = 'BibTeX copied to the clipboard.'
      }, selectForCopy)
    })
  })
})()
