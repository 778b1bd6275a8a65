// The live class grid: rows change in place as learners' checks finish (Server-Sent Events), and the name filter narrows
// the table as the instructor types. Without it the page is the same table, current when loaded, filtered by its form.
(function () {
  'use strict';

  var section = document.querySelector('[data-class-grid]');
  if (!section) return;
  var table = section.querySelector('.progress-grid');
  var status = section.querySelector('[data-live-status]');
  var filter = section.querySelector('#grid-filter');
  var stepCount = table ? table.querySelectorAll('thead th[data-step]').length : 0;

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

  function updateRow(row) {
    if (!table) return;
    var tr = table.querySelector('tr[data-learner="' + row.userId + '"]');
    // A learner filtered out, or one who joined after the page loaded: the next load shows them.
    if (!tr) return;
    var passed = tr.querySelector('[data-col="passed"]');
    if (passed) passed.textContent = row.passed + '/' + stepCount;
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

  if (table && window.EventSource) {
    var source = new window.EventSource(section.getAttribute('data-events'));
    source.addEventListener('ready', function () { say('Live'); });
    source.addEventListener('row', function (e) {
      try {
        updateRow(JSON.parse(e.data));
      } catch {
        // A malformed event changes nothing; the next one or a reload does.
      }
    });
    // The browser reconnects by itself, sending the last event's id; the server then sends the rows changed since.
    source.addEventListener('error', function () { say(source.readyState === window.EventSource.CLOSED ? 'Not live: reload the page' : 'Reconnecting…'); });
  }

  if (table && filter) {
    filter.addEventListener('input', function () {
      var needle = filter.value.trim().toLowerCase();
      table.querySelectorAll('tbody tr').forEach(function (tr) {
        var name = (tr.querySelector('th') || tr).textContent.toLowerCase();
        tr.hidden = needle !== '' && name.indexOf(needle) === -1;
      });
    });
  }
})();
