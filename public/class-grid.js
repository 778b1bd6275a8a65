// The live class grid: rows change in place as learners' checks finish (Server-Sent Events), a learner who joins gets a
// row, and needs help, the learner count and the step funnel are read again from the server after changes and every
// minute (someone can become stuck by time alone). The name filter narrows the table as the instructor types. Without
// this script the page is the same, current when loaded, filtered by its form.
(function () {
  'use strict';

  var section = document.querySelector('[data-class-grid]');
  if (!section) return;
  var table = section.querySelector('.progress-grid');
  var status = section.querySelector('[data-live-status]');
  var filter = section.querySelector('#grid-filter');
  var stepCount = table ? table.querySelectorAll('thead th[data-step]').length : 0;
  var classId = section.getAttribute('data-class-grid');
  var params = new URLSearchParams(window.location.search);
  /** The server's filter of this page (name or email), which a new learner's row must match to be shown. */
  var serverFilter = (params.get('q') || '').trim().toLowerCase();

  function say(text) {
    if (status) status.textContent = text;
  }

  /** The same markup as a cell of views/partials/class-grid.ejs. */
  function cellElement(c) {
    var td = document.createElement('td');
    td.className = 'cell status-' + c.state + (c.skipped ? ' skipped' : '');
    var words = document.createElement('span');
    words.className = 'visually-hidden';
    words.textContent = c.words;
    if (c.state === 'not-started') {
      td.appendChild(words);
      return td;
    }
    var mark = document.createElement('span');
    mark.className = 'cell-mark';
    if (c.state !== 'passed') {
      mark.tabIndex = 0;
      mark.title = c.words;
    }
    var shown = document.createElement('span');
    shown.setAttribute('aria-hidden', 'true');
    shown.textContent = c.text;
    mark.appendChild(shown);
    mark.appendChild(words);
    td.appendChild(mark);
    return td;
  }

  /** A row for a learner the page did not have (they joined after it loaded), as views/partials/class-grid.ejs writes one. */
  function addRow(row) {
    var name = String(row.name || '');
    if (serverFilter && name.toLowerCase().indexOf(serverFilter) === -1 && String(row.email || '').toLowerCase().indexOf(serverFilter) === -1) return undefined;
    var tr = document.createElement('tr');
    tr.setAttribute('data-learner', row.userId);
    var th = document.createElement('th');
    th.scope = 'row';
    var link = document.createElement('a');
    link.href = '/classes/' + encodeURIComponent(classId) + '/learners/' + encodeURIComponent(row.userId);
    link.textContent = name;
    th.appendChild(link);
    var passed = document.createElement('td');
    passed.setAttribute('data-col', 'passed');
    var activity = document.createElement('td');
    activity.setAttribute('data-col', 'activity');
    var never = document.createElement('span');
    never.className = 'muted';
    never.textContent = 'never';
    activity.appendChild(never);
    tr.append(th, passed, activity);
    row.cells.forEach(function (c) { tr.appendChild(cellElement(c)); });
    var body = table.tBodies[0];
    // In name order when the grid is sorted by name; otherwise last, as rows stay where they were when the page loaded.
    var before = null;
    if ((params.get('sort') || 'name') === 'name') {
      before = Array.prototype.find.call(body.rows, function (other) {
        var otherName = other.querySelector('th a');
        return otherName !== null && name.localeCompare(otherName.textContent.trim(), 'en', { sensitivity: 'base' }) < 0;
      }) || null;
    }
    body.insertBefore(tr, before);
    applyFilter(tr);
    var empty = section.querySelector('[data-grid-empty]');
    if (empty) empty.hidden = true;
    var gridBody = section.querySelector('[data-grid-body]');
    if (gridBody) gridBody.hidden = false;
    return tr;
  }

  /** The link to the learner's completion report beside their name, once they have one. */
  function addReportLink(tr, row) {
    var th = tr.querySelector('th');
    if (!th || th.querySelector('.report-link')) return;
    var link = document.createElement('a');
    link.className = 'report-link';
    link.href = '/classes/' + encodeURIComponent(classId) + '/learners/' + encodeURIComponent(row.userId) + '/report';
    link.textContent = 'report';
    var words = document.createElement('span');
    words.className = 'visually-hidden';
    words.textContent = ' of ' + String(row.name || '');
    link.appendChild(words);
    th.append(' ', link);
  }

  function updateRow(row) {
    if (!table) return;
    var tr = table.querySelector('tr[data-learner="' + row.userId + '"]') || addRow(row);
    // A learner outside the page's filter.
    if (!tr) return;
    var passed = tr.querySelector('[data-col="passed"]');
    if (passed) passed.textContent = row.passed + '/' + stepCount;
    if (row.report) addReportLink(tr, row);
    var activity = tr.querySelector('[data-col="activity"]');
    if (activity && row.lastActivity) {
      var time = document.createElement('time');
      time.setAttribute('datetime', row.lastActivity);
      time.textContent = row.lastActivity.slice(11, 16);
      activity.replaceChildren(time);
    }
    // The step cells follow the learner, passed and last-activity cells, in the header's order.
    var tds = tr.querySelectorAll('td.cell');
    row.cells.forEach(function (c, i) {
      var old = tds[i];
      if (!old) return;
      var next = cellElement(c);
      if (old.className === next.className && old.textContent === next.textContent) return;
      next.classList.add('cell-changed');
      old.replaceWith(next);
    });
  }

  // Needs help, the learner count and the funnel, read again: a second after a change (changes that come together are read
  // once), and every minute. One read at a time; a part that holds the keyboard focus is left until the focus leaves it.
  var summaryUrl = section.getAttribute('data-summary');
  var announce = document.querySelector('[data-help-announce]');
  var soon = null;
  var reading = false;
  var readAgain = false;
  var held = {};

  function readSummarySoon(ms) {
    if (soon === null) soon = setTimeout(function () { soon = null; readSummary(); }, ms);
  }

  function readSummary() {
    if (reading) {
      readAgain = true;
      return;
    }
    reading = true;
    fetch(summaryUrl + window.location.search, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (res) {
        if (!res.ok) throw new Error('summary: ' + res.status);
        return res.text();
      })
      .then(putSummary)
      .catch(function () {
        // Not read this time (the network, a restart): the next change or the next minute reads it again.
      })
      .then(function () {
        reading = false;
        if (readAgain) {
          readAgain = false;
          readSummarySoon(1000);
        }
      });
  }

  /** Puts the server's part in place of the page's, unless the keyboard focus is in it: then once the focus leaves. */
  function replacePart(selector, fresh) {
    var old = document.querySelector(selector);
    var next = fresh.querySelector(selector);
    if (!old || !next) return;
    if (old.contains(document.activeElement)) {
      held[selector] = next;
      if (!old.hasAttribute('data-held')) {
        old.setAttribute('data-held', '');
        old.addEventListener('focusout', function () {
          setTimeout(function () {
            if (old.contains(document.activeElement) || !held[selector]) return;
            old.replaceWith(held[selector]);
            delete held[selector];
          });
        });
      }
      return;
    }
    delete held[selector];
    old.replaceWith(next);
  }

  function putSummary(html) {
    var template = document.createElement('template');
    template.innerHTML = html;
    var fresh = template.content.querySelector('[data-summary]');
    if (!fresh) return;
    var before = document.querySelector('#help-heading');
    var after = fresh.querySelector('#help-heading');
    // Read before the parts move from the fragment into the page.
    var helpNow = after ? after.textContent : '';
    var members = fresh.getAttribute('data-members');
    replacePart('.needs-help', fresh);
    replacePart('.funnel', fresh);
    replacePart('[data-grid-count]', fresh);
    var heading = section.querySelector('[data-grid-heading]');
    if (heading && members !== null) heading.textContent = 'Learners (' + members + ')';
    if (announce && helpNow && before && helpNow !== before.textContent) announce.textContent = helpNow;
  }

  function applyFilter(tr) {
    var needle = filter ? filter.value.trim().toLowerCase() : '';
    var name = (tr.querySelector('th') || tr).textContent.toLowerCase();
    tr.hidden = needle !== '' && name.indexOf(needle) === -1;
  }

  if (table && window.EventSource) {
    var source = new window.EventSource(section.getAttribute('data-events'));
    source.addEventListener('ready', function () { say('Live'); });
    source.addEventListener('row', function (e) {
      try {
        updateRow(JSON.parse(e.data));
      } catch {
        // A malformed event changes nothing; the next one or a reload does.
      }
      if (summaryUrl) readSummarySoon(1000);
    });
    // The browser reconnects by itself, sending the last event's id; the server then sends the rows changed since.
    source.addEventListener('error', function () { say(source.readyState === window.EventSource.CLOSED ? 'Not live: reload the page' : 'Reconnecting…'); });
    // Someone can pass the 20 minutes on a step with nothing happening: the time alone makes them need help.
    if (summaryUrl && window.fetch) {
      window.setInterval(function () {
        if (!document.hidden) readSummary();
      }, 60000);
      document.addEventListener('visibilitychange', function () {
        if (!document.hidden) readSummarySoon(0);
      });
    }
  }

  if (table && filter) {
    filter.addEventListener('input', function () {
      table.querySelectorAll('tbody tr').forEach(applyFilter);
    });
  }
})();
