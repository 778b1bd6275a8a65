// Progressive enhancement for Verilab pages: copy buttons on code blocks. Everything works without it.
(function () {
  'use strict';
  document.querySelectorAll('.code-block').forEach(function (block) {
    var button = block.querySelector('.copy-button');
    var code = block.querySelector('code');
    if (!button || !code || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      navigator.clipboard.writeText(code.textContent || '').then(function () {
        button.textContent = 'Copied';
        setTimeout(function () { button.textContent = 'Copy'; }, 1500);
      }, function () {
        button.textContent = 'Press Ctrl+C';
      });
    });
  });
})();

// Reflections save in place: the same form POST, asked for JSON, so the page does not reload.
(function () {
  'use strict';
  document.querySelectorAll('form[data-enhance="reflection"]').forEach(function (form) {
    var status = form.querySelector('.save-status');
    var textarea = form.querySelector('textarea');
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (status) { status.textContent = 'Saving…'; status.classList.remove('field-error'); }
      fetch(form.action, {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(new FormData(form)).toString(),
        credentials: 'same-origin',
      }).then(function (res) {
        return res.json().then(function (body) { return { ok: res.ok, body: body }; });
      }).then(function (result) {
        if (!status) return;
        if (result.ok) {
          status.textContent = 'Saved.';
          if (textarea) textarea.removeAttribute('aria-invalid');
        } else {
          status.textContent = (result.body && result.body.error && result.body.error.message) || 'Could not save. Try again.';
          status.classList.add('field-error');
        }
      }).catch(function () {
        if (status) { status.textContent = 'Could not reach Verilab. Check your connection and try again.'; status.classList.add('field-error'); }
      });
    });
  });
})();

// Check runs in place: a spinner while Verilab looks, then the result replaces the old one and the side list updates.
(function () {
  'use strict';
  document.querySelectorAll('form[data-enhance="check"]').forEach(function (form) {
    var button = form.querySelector('button[type="submit"]');
    var spinner = form.querySelector('.spinner');
    var status = form.querySelector('.check-status');
    var panel = form.parentNode && form.parentNode.querySelector('.check-result');
    var stepId = form.getAttribute('data-step');
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (button) button.disabled = true;
      if (spinner) spinner.hidden = false;
      if (status) status.textContent = 'Looking at your account…';
      fetch(form.action, {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(new FormData(form)).toString(),
        credentials: 'same-origin',
      }).then(function (res) {
        return res.json().then(function (body) { return { ok: res.ok, body: body }; });
      }).then(function (result) {
        if (status) status.textContent = '';
        if (!result.ok) {
          var error = (result.body && result.body.error) || {};
          if (status) status.textContent = (error.message || 'The check did not run.') + (error.hint ? ' ' + error.hint : '');
          return;
        }
        if (panel) panel.innerHTML = result.body.html;
        var item = document.querySelector('.step-list a[href$="/steps/' + stepId + '"]');
        var li = item && item.parentNode;
        if (li) {
          li.className = li.className.replace(/status-[a-z-]+/, 'status-' + result.body.status);
          var mark = li.querySelector('.status-mark');
          if (mark) { mark.title = result.body.status; mark.setAttribute('aria-label', result.body.status); }
        }
      }).catch(function () {
        if (status) status.textContent = 'Could not reach Verilab. Check your connection and try again.';
      }).then(function () {
        if (button) button.disabled = false;
        if (spinner) spinner.hidden = true;
      });
    });
  });
})();
