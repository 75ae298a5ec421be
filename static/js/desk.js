/* The reader's desk: marks (status, star, a private note) kept in this browser, per site and
 * per paper id; controls on paper pages and cards; export and import of the marks; the keys
 * j/k (move through the papers of a list), o/Enter (open), x (cycle the status), s (star) and
 * ? (show the keys).
 *
 * Classic deferred script (works from file://). Loaded by the desk partials; desk-filter.js
 * uses the store through self.siteDesk. The marks live in localStorage under a key holding the
 * site root's path, so two sites under sub-paths of one host (or two folders on disk) keep
 * their own. Each mark remembers the status and star the page had when the reader first marked
 * it: `site-builder marks` merges three-way against it. Notes are Markdown rendered by
 * markdown-it (raw HTML off) and copied into the page element by element from an inert parsed
 * document, keeping only a few harmless elements and http(s)/relative links.
 */
(function () {
  'use strict'
  if (self.siteDesk) return

  var STATUSES = ['unread', 'reading', 'read', 'skipped']
  var FORMAT = 'site-builder reading marks'
  var VERSION = 1
  var NOTE_TAGS = new Set(['p', 'em', 'strong', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a',
    'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'br', 'del', 's', 'table', 'thead', 'tbody', 'tr', 'th', 'td'])
  var root = document.documentElement.getAttribute('data-root') || ''
  var sitePath = new URL(root || './', location.href).pathname
  var storageKey = 'site-builder:marks:' + sitePath
  var listeners = []
  var marks = read()

  function read () {
    try {
      var data = JSON.parse(localStorage.getItem(storageKey) || '{}')
      return data && typeof data.marks === 'object' && data.marks ? data.marks : {}
    } catch (error) { return {} }
  }

  function save () {
    try {
      localStorage.setItem(storageKey, JSON.stringify({ version: VERSION, marks: marks }))
    } catch (error) { /* storage full or off: marks last as long as the page */ }
  }

  function changed (id) {
    listeners.forEach(function (listener) { listener(id) })
  }

  function today () { return new Date().toISOString().slice(0, 10) }

  /* The mark of a paper, created with the page's status and star as its base. */
  function markOf (id, baseStatus, baseStarred) {
    var mark = marks[id]
    if (!mark) {
      mark = marks[id] = { base_status: baseStatus || 'unread', base_starred: !!baseStarred }
    }
    return mark
  }

  /* The page caught up with a mark (its marks were merged into the pages and the site rebuilt):
   * what the page says now is the base of later changes, so a second export does not conflict. */
  function rebase (id, pageStatus, pageStarred) {
    var mark = marks[id]
    if (!mark) return
    var moved = false
    if (mark.status && mark.status === pageStatus && mark.base_status !== pageStatus) {
      mark.base_status = pageStatus
      moved = true
    }
    if (typeof mark.starred === 'boolean' && mark.starred === !!pageStarred && mark.base_starred !== !!pageStarred) {
      mark.base_starred = !!pageStarred
      moved = true
    }
    if (moved) save()
  }

  var desk = {
    statuses: STATUSES,
    rebase: rebase,
    status: function (id, base) {
      var mark = marks[id]
      return mark && mark.status ? mark.status : (base || 'unread')
    },
    starred: function (id, base) {
      var mark = marks[id]
      return mark && typeof mark.starred === 'boolean' ? mark.starred : !!base
    },
    note: function (id) {
      var mark = marks[id]
      return mark && mark.note ? mark.note.text : ''
    },
    setStatus: function (id, base, baseStarred, status) {
      markOf(id, base, baseStarred).status = status
      save(); changed(id)
    },
    setStarred: function (id, base, baseStarred, starred) {
      markOf(id, base, baseStarred).starred = starred
      save(); changed(id)
    },
    setNote: function (id, base, baseStarred, text) {
      var mark = markOf(id, base, baseStarred)
      if (text.trim()) mark.note = { text: text, date: today() }
      else delete mark.note
      save(); changed(id)
    },
    cycle: function (status) {
      return STATUSES[(STATUSES.indexOf(status) + 1) % STATUSES.length]
    },
    onChange: function (listener) { listeners.push(listener) },
    announce: announce
  }
  self.siteDesk = desk

  window.addEventListener('storage', function (event) {
    if (event.key !== storageKey) return
    marks = read()
    changed(null)
  })

  // --- announcements --------------------------------------------------------------------------

  var live = null
  function announce (text) {
    if (!live) {
      live = document.createElement('p')
      live.className = 'visually-hidden desk-live'
      live.setAttribute('aria-live', 'polite')
      document.body.appendChild(live)
    }
    live.textContent = ''
    if (text) setTimeout(function () { live.textContent = text }, 30)
  }

  // --- notes ----------------------------------------------------------------------------------

  var markdown = null
  function loadMarkdown () {
    if (!markdown) {
      markdown = new Promise(function (resolve, reject) {
        if (self.markdownit) { resolve(); return }
        var script = document.createElement('script')
        script.src = root + 'assets/vendor/markdown-it.min.js'
        script.onload = function () { resolve() }
        script.onerror = function () { markdown = null; reject(new Error('markdown-it did not load')) }
        document.head.appendChild(script)
      }).then(function () { return self.markdownit({ html: false, linkify: true }) })
    }
    return markdown
  }

  function safeHref (href) {
    var url
    try { url = new URL(href, location.href) } catch (error) { return null }
    return /^(https?|mailto):$/.test(url.protocol) || (url.protocol === 'file:' && !/^[a-z][a-z0-9+.-]*:/i.test(href)) ? href : null
  }

  /* Copy parsed note HTML: whitelisted elements, text, and links with a safe href only. */
  function copyNote (source, target) {
    source.childNodes.forEach(function (node) {
      if (node.nodeType === 3) {
        target.appendChild(document.createTextNode(node.data))
      } else if (node.nodeType === 1) {
        var name = node.localName
        if (!NOTE_TAGS.has(name)) { copyNote(node, target); return }
        var copy = document.createElement(name)
        if (name === 'a') {
          var href = safeHref(node.getAttribute('href') || '')
          if (!href) { copyNote(node, target); return }
          copy.setAttribute('href', href)
          copy.setAttribute('rel', 'noopener nofollow')
        }
        copyNote(node, copy)
        target.appendChild(copy)
      }
    })
  }

  function renderNote (box, text) {
    if (!text.trim()) { box.replaceChildren(); return Promise.resolve() }
    return loadMarkdown().then(function (md) {
      var parsed = new DOMParser().parseFromString('<!doctype html><body>' + md.render(text), 'text/html')
      var fragment = document.createDocumentFragment()
      copyNote(parsed.body, fragment)
      box.replaceChildren(fragment)
    }, function () {
      box.replaceChildren(document.createTextNode(text)) // as plain text if the library fails
    })
  }
  desk.renderNote = renderNote

  // --- controls ---------------------------------------------------------------------------------

  function starLabel (on) { return on ? 'Starred' : 'Star' }

  /* A card's marks live in its .desk-card holder: data-id, the page's data-status and
   * data-starred, a status select and a star button (drawn by the template, or by cardControls
   * for cards built in the browser). One listener on the document serves every card, and a card
   * is only touched when the reader has marks on its paper: starting costs next to nothing. */
  function holderBase (holder) {
    return [holder.getAttribute('data-id'), holder.getAttribute('data-status'), holder.hasAttribute('data-starred')]
  }

  function updateCard (holder) {
    var base = holderBase(holder)
    var select = holder.querySelector('select.desk-status')
    var star = holder.querySelector('button.desk-star')
    if (!select || !star) return
    var on = desk.starred(base[0], base[2])
    select.value = desk.status(base[0], base[1])
    star.setAttribute('aria-pressed', on ? 'true' : 'false')
    star.textContent = starLabel(on)
  }

  /* Add the controls to a holder built in the browser, set to the paper's marks. */
  function cardControls (holder) {
    var select = document.createElement('select')
    select.name = 'status'
    select.className = 'desk-status'
    select.setAttribute('aria-label', 'Status')
    STATUSES.forEach(function (value) {
      var option = document.createElement('option')
      option.textContent = value
      select.appendChild(option)
    })
    var star = document.createElement('button')
    star.type = 'button'
    star.className = 'desk-star'
    holder.append(select, star)
    updateCard(holder)
  }
  desk.cardControls = cardControls

  function updateCards (id) {
    var selector = id ? '.desk-card[data-id="' + CSS.escape(id) + '"]' : '.desk-card[data-id]'
    document.querySelectorAll(selector).forEach(function (holder) {
      var base = holderBase(holder)
      if (!id) rebase(base[0], base[1], base[2])
      if (!id && !marks[base[0]]) return // shows the page's marks already
      updateCard(holder)
    })
  }

  document.addEventListener('change', function (event) {
    var target = event.target
    var holder = target.closest && target.closest('.desk-card[data-id]')
    if (!holder || !target.matches('select.desk-status')) return
    var base = holderBase(holder)
    desk.setStatus(base[0], base[1], base[2], target.value)
  })
  document.addEventListener('click', function (event) {
    var target = event.target.closest && event.target.closest('.desk-card[data-id] button.desk-star')
    if (!target) return
    var base = holderBase(target.parentNode)
    desk.setStarred(base[0], base[1], base[2], !desk.starred(base[0], base[2]))
  })

  function setUpPaper (section) {
    var id = section.getAttribute('data-id')
    var base = section.getAttribute('data-status')
    var baseStarred = section.hasAttribute('data-starred')
    rebase(id, base, baseStarred)
    var select = section.querySelector('select.desk-status')
    var star = section.querySelector('button.desk-star')
    var note = section.querySelector('textarea.desk-note')
    var view = section.querySelector('.desk-note-view')
    var saved = section.querySelector('.desk-saved')
    var timer = 0
    function update () {
      select.value = desk.status(id, base)
      var on = desk.starred(id, baseStarred)
      star.setAttribute('aria-pressed', on ? 'true' : 'false')
      star.textContent = starLabel(on)
    }
    select.addEventListener('change', function () { desk.setStatus(id, base, baseStarred, select.value) })
    star.addEventListener('click', function () {
      desk.setStarred(id, base, baseStarred, !desk.starred(id, baseStarred))
    })
    note.value = desk.note(id)
    function saveNote () {
      clearTimeout(timer)
      timer = 0
      desk.setNote(id, base, baseStarred, note.value)
      saved.textContent = 'Note saved in this browser.'
      renderNote(view, note.value)
    }
    note.addEventListener('input', function () {
      clearTimeout(timer)
      timer = setTimeout(saveNote, 250)
    })
    // Leaving the field or the page within the pause saves what was typed.
    note.addEventListener('change', function () { if (timer) saveNote() })
    window.addEventListener('pagehide', function () { if (timer) saveNote() })
    renderNote(view, note.value)
    desk.onChange(function (changedId) {
      if (changedId && changedId !== id) return
      update()
      if (changedId === null && document.activeElement !== note) {
        note.value = desk.note(id)
        renderNote(view, note.value)
      }
    })
    update()
    return {
      cycle: function () {
        var next = desk.cycle(desk.status(id, base))
        desk.setStatus(id, base, baseStarred, next)
        announce('Status: ' + next)
      },
      star: function () {
        var on = !desk.starred(id, baseStarred)
        desk.setStarred(id, base, baseStarred, on)
        announce(on ? 'Starred' : 'Star removed')
      }
    }
  }

  // --- export and import ------------------------------------------------------------------------

  function siteTitle () {
    var brand = document.querySelector('.site-header .brand')
    return (self.siteDeskData && self.siteDeskData.site) || (brand ? brand.textContent.trim() : document.title)
  }

  function exportMarks () {
    var out = {}
    Object.keys(marks).sort().forEach(function (id) {
      var mark = marks[id]
      var item = { base_status: mark.base_status || 'unread', base_starred: !!mark.base_starred }
      if (mark.status) item.status = mark.status
      if (typeof mark.starred === 'boolean') item.starred = mark.starred
      if (mark.note && mark.note.text.trim()) item.notes = [{ date: mark.note.date, text: mark.note.text }]
      out[id] = item
    })
    return {
      format: FORMAT,
      version: VERSION,
      site: siteTitle(),
      exported: new Date().toISOString(),
      marks: out
    }
  }

  function download () {
    var blob = new Blob([JSON.stringify(exportMarks(), null, 2) + '\n'], { type: 'application/json' })
    var link = document.createElement('a')
    link.href = URL.createObjectURL(blob)
    link.download = 'reading-marks.json'
    document.body.appendChild(link)
    link.click()
    link.remove()
    setTimeout(function () { URL.revokeObjectURL(link.href) }, 1000)
    return Object.keys(marks).length
  }

  /* Merge an exported file into this browser's marks; return how many papers it named. */
  function importMarks (data) {
    if (!data || data.format !== FORMAT || data.version !== VERSION || typeof data.marks !== 'object') {
      throw new Error('not a reading-marks file of this version')
    }
    var count = 0
    Object.keys(data.marks).forEach(function (id) {
      var item = data.marks[id]
      if (!item || typeof item !== 'object') return
      var mark = markOf(id, STATUSES.indexOf(item.base_status) >= 0 ? item.base_status : 'unread', item.base_starred === true)
      if (STATUSES.indexOf(item.status) >= 0) mark.status = item.status
      if (typeof item.starred === 'boolean') mark.starred = item.starred
      var notes = Array.isArray(item.notes) ? item.notes.filter(function (n) { return n && typeof n.text === 'string' && n.text.trim() }) : []
      if (notes.length) {
        var text = notes.map(function (n) { return n.text }).join('\n\n')
        var date = String(notes[notes.length - 1].date || today()).slice(0, 10)
        if (!mark.note || mark.note.date <= date) mark.note = { text: text, date: date }
      }
      count++
    })
    save()
    changed(null)
    return count
  }
  desk.exportMarks = exportMarks
  desk.importMarks = importMarks

  function setUpTools (tools) {
    var status = tools.querySelector('.desk-tools-status')
    var file = tools.querySelector('.desk-import-file')
    tools.querySelector('.desk-export').addEventListener('click', function () {
      var count = download()
      status.textContent = 'Exported the marks of ' + count + (count === 1 ? ' paper' : ' papers') + ' to reading-marks.json.'
    })
    tools.querySelector('.desk-import').addEventListener('click', function () { file.click() })
    file.addEventListener('change', function () {
      var chosen = file.files && file.files[0]
      if (!chosen) return
      chosen.text().then(function (text) {
        var count = importMarks(JSON.parse(text))
        status.textContent = 'Imported the marks of ' + count + (count === 1 ? ' paper.' : ' papers.')
      }).catch(function (error) {
        status.textContent = 'Could not import ' + chosen.name + ': ' + error.message + '.'
      }).then(function () { file.value = '' })
    })
  }

  // --- keyboard ---------------------------------------------------------------------------------

  var KEYS = [['j', 'next paper'], ['k', 'previous paper'], ['o or Enter', 'open the paper'],
    ['x', 'next status (unread, reading, read, skipped)'], ['s', 'star or unstar'],
    ['/', 'search'], ['?', 'show these keys']]
  var dialog = null

  function showKeys () {
    if (!dialog) {
      dialog = document.createElement('dialog')
      dialog.className = 'desk-keys'
      dialog.setAttribute('aria-labelledby', 'desk-keys-heading')
      var heading = document.createElement('h2')
      heading.id = 'desk-keys-heading'
      heading.textContent = 'Keyboard keys'
      var list = document.createElement('dl')
      KEYS.forEach(function (pair) {
        var term = document.createElement('dt')
        pair[0].split(' or ').forEach(function (key, index) {
          if (index) term.appendChild(document.createTextNode(' or '))
          var kbd = document.createElement('kbd')
          kbd.textContent = key
          term.appendChild(kbd)
        })
        var description = document.createElement('dd')
        description.textContent = pair[1]
        list.append(term, description)
      })
      var close = document.createElement('button')
      close.type = 'button'
      close.textContent = 'Close'
      close.addEventListener('click', function () { dialog.close() })
      var form = document.createElement('div')
      form.className = 'desk-keys-actions'
      form.appendChild(close)
      dialog.append(heading, list, form)
      document.body.appendChild(dialog)
    }
    if (!dialog.open) dialog.showModal()
  }

  function items () {
    var main = document.getElementById('main')
    if (!main) return []
    return Array.prototype.filter.call(main.querySelectorAll('.paper-card, .search-result'), function (item) {
      return item.offsetParent !== null || item.getClientRects().length > 0
    })
  }

  function itemLink (item) {
    return item.querySelector('.paper-title a, a.search-result-link')
  }

  function itemTitle (item) {
    var link = itemLink(item)
    return link ? link.textContent.trim() : ''
  }

  var current = null

  function focusItem (item, list) {
    if (current && current !== item) current.classList.remove('desk-current')
    current = item
    item.classList.add('desk-current')
    var link = itemLink(item)
    if (link) link.focus()
    item.scrollIntoView({ block: 'nearest' })
    var holder = item.querySelector('.desk-card[data-id]')
    var extra = ''
    if (holder) {
      extra = ', ' + desk.status(holder.getAttribute('data-id'), holder.getAttribute('data-status')) +
        (desk.starred(holder.getAttribute('data-id'), holder.hasAttribute('data-starred')) ? ', starred' : '')
    }
    announce('Paper ' + (list.indexOf(item) + 1) + ' of ' + list.length + ': ' + itemTitle(item) + extra)
  }

  function currentItem (list) {
    var active = document.activeElement
    var found = list.filter(function (item) { return item.contains(active) })[0]
    if (found) return found
    return current && list.indexOf(current) >= 0 ? current : null
  }

  function typing (target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))
  }

  function onKey (event, paper) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return
    if (typing(event.target) || (dialog && dialog.open)) return
    var key = event.key
    if (key === '?') { event.preventDefault(); showKeys(); return }
    var list = items()
    var item = currentItem(list)
    if (key === 'j' || key === 'k') {
      if (!list.length) return
      event.preventDefault()
      var at = item ? list.indexOf(item) : -1
      var next = key === 'j' ? Math.min(at + 1, list.length - 1) : Math.max(at - 1, 0)
      focusItem(list[next], list)
    } else if (key === 'o' || (key === 'Enter' && item && event.target === item)) {
      var link = item && itemLink(item)
      if (!link) return
      event.preventDefault()
      link.click()
    } else if (key === 'x' || key === 's') {
      var holder = item && item.querySelector('.desk-card[data-id]')
      if (holder) {
        event.preventDefault()
        var id = holder.getAttribute('data-id')
        var base = holder.getAttribute('data-status')
        var baseStarred = holder.hasAttribute('data-starred')
        if (key === 'x') {
          var status = desk.cycle(desk.status(id, base))
          desk.setStatus(id, base, baseStarred, status)
          announce('Status: ' + status)
        } else {
          var on = !desk.starred(id, baseStarred)
          desk.setStarred(id, base, baseStarred, on)
          announce(on ? 'Starred' : 'Star removed')
        }
      } else if (paper && !item) {
        event.preventDefault()
        if (key === 'x') paper.cycle(); else paper.star()
      }
    }
  }

  // --- start ------------------------------------------------------------------------------------

  announce('')
  var paperSection = document.querySelector('section.desk-paper')
  var paper = paperSection ? setUpPaper(paperSection) : null
  if (Object.keys(marks).length) updateCards(null)
  desk.onChange(updateCards)
  document.querySelectorAll('.desk-tools').forEach(setUpTools)
  document.querySelectorAll('.desk-keys-button').forEach(function (button) {
    button.addEventListener('click', showKeys)
  })
  document.addEventListener('keydown', function (event) { onKey(event, paper) })
})()
